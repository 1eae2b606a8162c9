import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('rotguard as a library', () => {
  it('the README example is examples/library.mjs, word for word', () => {
    const readme = readFileSync(`${root}README.md`, 'utf8');
    const section = readme.slice(readme.indexOf('## Use rotguard as a library'));
    const block = /```js\n([\s\S]*?)```/.exec(section);
    assert.ok(block, 'the section has a js code block');
    assert.equal(block[1], readFileSync(`${root}examples/library.mjs`, 'utf8'));
  });

  it('runs against the package by its name: ingest, build, four-eyes promotion, predict, trace', () => {
    // The example imports 'rotguard' (package.json "exports"), as another program would.
    const out = execFileSync(process.execPath, ['examples/library.mjs'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, ROTGUARD_USER: 'someone-else' },
    });
    assert.match(out, /^ingested 120 of 120 rows$/m);
    assert.match(out, /^built sol-rf@1, test MAE \d+\.\d\d$/m);
    assert.match(out, /^refused: approver_is_builder$/m);
    assert.match(out, /^predicted 120; [0-9a-f-]{36} traces to examples\/solubility-sample\.csv$/m);
  });
});
