import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { modelCodeHash } from '../../src/training/environment.js';

describe('build hash: the code part', () => {
  const root = mkdtempSync(join(tmpdir(), 'rotguard-code-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const write = (rel: string, text: string) => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  write('training/trainers/ridge.js', 'export const alpha = 1;');
  write('chem/descriptors.js', 'export const list = [];');
  write('core/random.js', 'export const seed = 1;');
  write('core/errors.js', 'export class E {}');
  write('audit/report-html.js', 'const css = "a { color: red }";');
  write('cli/main.js', 'main();');

  it('ignores code that cannot change a model (report rendering, CLI, error messages)', () => {
    const before = modelCodeHash(root);
    write('audit/report-html.js', 'const css = "a { color: blue }";');
    write('cli/main.js', 'main(); // reworded help');
    write('core/errors.js', 'export class E { reworded() {} }');
    write('monitor/new-signal.js', 'export const x = 1;');
    assert.equal(modelCodeHash(root), before);
  });

  it('changes with any change to features, trainers or the seeded generator', () => {
    for (const [rel, text] of [
      ['training/trainers/ridge.js', 'export const alpha = 2;'],
      ['chem/descriptors.js', 'export const list = [1];'],
      ['core/random.js', 'export const seed = 2;'],
      ['validate/splits.js', 'new'],
    ] as const) {
      const before = modelCodeHash(root);
      write(rel, text);
      assert.notEqual(modelCodeHash(root), before, rel);
    }
  });
});
