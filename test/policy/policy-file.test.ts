import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RotguardError } from '../../src/core/errors.js';
import { parsePolicy, policyDocument, readPolicyFile, validatePolicy } from '../../src/policy/policy-file.js';
import { EXAMPLE_POLICY, examplePolicy } from './evidence.js';

/** 1-based line of the first line containing `needle`. */
function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `"${needle}" not in text`);
  return i + 1;
}

/** Asserts parsing fails with bad_policy naming `field` (and `line` when given). */
function rejects(text: string, field: string, message: RegExp, line?: number): RotguardError {
  try {
    parsePolicy(text, 'p.yaml');
  } catch (e) {
    assert.ok(e instanceof RotguardError, String(e));
    assert.equal(e.code, 'bad_policy', e.message);
    assert.equal(e.location.field, field, e.message);
    assert.equal(e.location.file, 'p.yaml');
    assert.match(e.message, message);
    if (line !== undefined) assert.equal(e.location.line, line, e.describe());
    return e;
  }
  assert.fail(`expected ${field} to be refused`);
}

describe('policy file: reading and normalizing', () => {
  it('reads the example policy with defaults filled in and conditions in canonical form', () => {
    const p = examplePolicy();
    assert.equal(p.name, 'sol-monitoring');
    assert.equal(p.model, 'sol-rf');
    assert.deepEqual(
      p.rules.map((r) => [r.name, r.when, r.sustained.k, r.sustained.n, r.action]),
      [
        ['new_chemistry', 'input.unseenScaffoldShare > 0.3', 2, 3, 'watch'],
        ['performance_decay', 'performance.maeRatio > 1.3', 2, 3, 'retrain'],
        ['assay_shift', 'assay.confirmedShift == true', 1, 1, 'freeze'],
      ],
    );
    assert.deepEqual(p.maturity, { minNewLabels: 50, minLabelsOnNewChemistry: 20, minLabelAgeSpreadDays: 14, singleProtocolVersion: true });
    assert.match(p.hash, /^[0-9a-f]{64}$/);
  });

  it('reads a policy file from disk, and names a missing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rotguard-policy-'));
    try {
      const path = join(dir, 'policy.yaml');
      writeFileSync(path, EXAMPLE_POLICY);
      assert.equal(readPolicyFile(path).hash, examplePolicy().hash);
      assert.throws(
        () => readPolicyFile(join(dir, 'nope.yaml')),
        (e: RotguardError) => e.code === 'file_not_found' && e.location.file === join(dir, 'nope.yaml'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hashes alike across key order, whitespace, comments, flow style, spacing in conditions and explicit defaults', () => {
    const reordered = `
maturity: { single_protocol_version: true, min_label_age_spread_days: 14, min_labels_on_new_chemistry: 20, min_new_labels: 50 }
rules:
- action: watch
  sustained:
    n: 3
    k: 2
  when: "input.unseenScaffoldShare>0.30"
  name: new_chemistry
- { name: performance_decay, action: retrain, sustained: { n: 3, k: 2 }, when: "(performance.maeRatio   >   1.30)" }
- name: assay_shift      # a confirmed shift of the reference compounds
  action: freeze
  sustained: { k: 1, n: 1 }
  when: assay.confirmedShift==true
model: sol-rf
policy: sol-monitoring
`;
    assert.equal(parsePolicy(reordered).hash, examplePolicy().hash);
    assert.deepEqual(policyDocument(parsePolicy(reordered)), policyDocument(examplePolicy()));
    // The same document given as an object (not YAML) hashes alike too.
    assert.equal(validatePolicy(policyDocument(examplePolicy())).hash, examplePolicy().hash);
  });

  it('changes the hash with any threshold, window, action or gate change', () => {
    const base = examplePolicy().hash;
    const edits: Array<[string, string]> = [
      ['> 0.3', '> 0.31'],
      ['> 1.3', '> 1.25'],
      ['> 1.3', '>= 1.3'],
      ['== true', '!= false'],
      ['sustained: { k: 2, n: 3 }\n    action: retrain', 'sustained: { k: 2, n: 4 }\n    action: retrain'],
      ['sustained: { k: 2, n: 3 }\n    action: watch', 'sustained: { k: 1, n: 3 }\n    action: watch'],
      ['action: watch', 'action: freeze'],
      ['min_new_labels: 50', 'min_new_labels: 49'],
      ['min_labels_on_new_chemistry: 20', 'min_labels_on_new_chemistry: 21'],
      ['min_label_age_spread_days: 14', 'min_label_age_spread_days: 7'],
      ['single_protocol_version: true', 'single_protocol_version: false'],
      ['model: sol-rf', 'model: sol-knn'],
      ['name: new_chemistry', 'name: new_series'],
    ];
    const seen = new Set([base]);
    for (const [from, to] of edits) {
      assert.ok(EXAMPLE_POLICY.includes(from), from);
      const h = parsePolicy(EXAMPLE_POLICY.replace(from, to)).hash;
      assert.ok(!seen.has(h), `${from} → ${to} must change the hash`);
      seen.add(h);
    }
  });

  it('accepts and/or with parentheses, and boolean comparisons', () => {
    const p = parsePolicy(`
policy: p
model: m
rules:
  - name: drift
    when: (input.maxPsi > 0.25 or input.lowSimilarityShare >= 0.4) and proxy.chemistryMovingConfidenceFlat == true
    action: watch
`);
    assert.equal(p.rules[0]!.when, '(input.maxPsi > 0.25 or input.lowSimilarityShare >= 0.4) and proxy.chemistryMovingConfidenceFlat == true');
    assert.equal(p.maturity, null, 'no retrain rule: no gate needed');
  });
});

describe('policy file: validation errors name the field and the line', () => {
  const withRule = (when: string, extra = '', action = 'watch') =>
    `policy: p\nmodel: m\nrules:\n  - name: r\n    when: ${when}\n${extra}    action: ${action}\n`;

  it('refuses an unknown evidence path, suggesting the closest known one', () => {
    const text = EXAMPLE_POLICY.replace('input.unseenScaffoldShare', 'input.unseenScaffoldShar');
    const e = rejects(
      text,
      'rules[0].when',
      /unknown evidence path "input\.unseenScaffoldShar".*did you mean input\.unseenScaffoldShare/,
      lineOf(text, 'unseenScaffoldShar'),
    );
    assert.match(e.describe(), /^p\.yaml:\d+: rules\[0\]\.when: rule new_chemistry:/);
    rejects(withRule('performance.r2 > 0.5'), 'rules[0].when', /unknown evidence path "performance\.r2"/, 5);
    // Lists and strings are not condition material.
    rejects(withRule('labels.protocolVersions > 1'), 'rules[0].when', /unknown evidence path/);
    rejects(withRule('model == 1'), 'rules[0].when', /unknown evidence path/);
  });

  it('refuses a bad operator', () => {
    const text = EXAMPLE_POLICY.replace('performance.maeRatio > 1.3', 'performance.maeRatio => 1.3');
    rejects(text, 'rules[1].when', /unexpected "=> 1\.3" at column 22 \(did you mean >=\?\)/, lineOf(text, '=> 1.3'));
    rejects(withRule('performance.maeRatio = 1.3'), 'rules[0].when', /compare with ==/);
    rejects(withRule('performance.maeRatio ~ 1.3'), 'rules[0].when', /unexpected "~ 1\.3" at column 22/);
    rejects(withRule('performance.maeRatio 1.3'), 'rules[0].when', /expected an operator \(> >= < <= == !=\)/);
    rejects(withRule('assay.confirmedShift > 0'), 'rules[0].when', /is true\/false; compare it with == true/);
    rejects(withRule('assay.confirmedShift >= true'), 'rules[0].when', /use == or !=/);
    rejects(withRule('performance.maeRatio > true'), 'rules[0].when', /is a number; compare it with a number/);
  });

  it('refuses conditions that are not simple comparisons', () => {
    rejects(withRule('"input.maxPsi > 0.2 and input.maxPsi < 1 or assay.confirmedShift == true"'), 'rules[0].when', /mixes "and" with "or".*parentheses/);
    rejects(withRule('"input.maxPsi > 0.2 && assay.confirmedShift == true"'), 'rules[0].when', /write "and"/);
    rejects(withRule('"(input.maxPsi > 0.2"'), 'rules[0].when', /expected "\)"/);
    rejects(withRule('"input.maxPsi > 0.2 input.maxPsi < 1"'), 'rules[0].when', /join comparisons with "and" or "or"/);
    rejects(withRule('"process.exit(1)"'), 'rules[0].when', /unknown evidence path "process\.exit"/);
    rejects(withRule('"0.3 < input.maxPsi"'), 'rules[0].when', /expected an evidence path/);
    rejects(withRule('""'), 'rules[0].when', /is empty/);
    rejects(withRule('1.3'), 'rules[0].when', /when must be a condition/);
  });

  it('refuses a bad action', () => {
    const text = EXAMPLE_POLICY.replace('action: freeze', 'action: halt');
    rejects(text, 'rules[2].action', /action must be one of watch, freeze, retrain, got "halt"/, lineOf(text, 'action: halt'));
    rejects(withRule('input.maxPsi > 0.2', '', 'continue'), 'rules[0].action', /must be one of/);
  });

  it('refuses k > n and windows that are not whole numbers from 1', () => {
    const text = EXAMPLE_POLICY.replace('sustained: { k: 2, n: 3 }\n    action: retrain', 'sustained: { k: 4, n: 3 }\n    action: retrain');
    rejects(text, 'rules[1].sustained.k', /sustained\.k \(4\) cannot exceed sustained\.n \(3\)/, lineOf(text, 'k: 4'));
    rejects(withRule('input.maxPsi > 0.2', '    sustained: { k: 0, n: 3 }\n'), 'rules[0].sustained.k', /whole number of windows from 1/);
    rejects(withRule('input.maxPsi > 0.2', '    sustained: { k: 1, n: 2.5 }\n'), 'rules[0].sustained.n', /whole number/);
    rejects(withRule('input.maxPsi > 0.2', '    sustained: { k: 1, n: 53 }\n'), 'rules[0].sustained.n', /from 1 to 52/);
    rejects(withRule('input.maxPsi > 0.2', '    sustained: { k: 1, m: 3 }\n'), 'rules[0].sustained.m', /unknown field "m"/);
    rejects(withRule('input.maxPsi > 0.2', '    sustained: 2\n'), 'rules[0].sustained', /must be a mapping/);
  });

  it('refuses unknown fields, duplicate or bad names, no rules, and a retrain rule without a maturity gate', () => {
    const typo = EXAMPLE_POLICY.replace('  min_new_labels: 50', '  min_new_label: 50');
    rejects(typo, 'maturity.min_new_label', /unknown field "min_new_label"/, lineOf(typo, 'min_new_label:'));
    rejects(EXAMPLE_POLICY.replace('policy: sol-monitoring', 'policy: sol-monitoring\nowner: dmpk'), 'owner', /unknown field "owner"/);
    rejects(EXAMPLE_POLICY.replace('    action: freeze', '    action: freeze\n    why: assay'), 'rules[2].why', /unknown field "why"/);
    rejects(EXAMPLE_POLICY.replace('name: assay_shift', 'name: new_chemistry'), 'rules[2].name', /two rules are named "new_chemistry"/);
    rejects(EXAMPLE_POLICY.replace('policy: sol-monitoring', 'policy: Sol Monitoring'), 'policy', /lower-case name/);
    const noModel = rejects(EXAMPLE_POLICY.replace(/^model: .*$/m, ''), 'model', /model \(the registry name the policy governs\) is required/);
    assert.equal(noModel.location.line, undefined, 'a missing top-level field has no line');
    rejects('policy: p\nmodel: m\nrules: []\n', 'rules', /at least one rule/);
    const noGate = EXAMPLE_POLICY.slice(0, EXAMPLE_POLICY.indexOf('maturity:'));
    rejects(noGate, 'maturity', /performance_decay can retrain, so the policy needs a maturity gate/);
    rejects(EXAMPLE_POLICY.replace('min_new_labels: 50', 'min_new_labels: -1'), 'maturity.min_new_labels', /whole number ≥ 0/);
    rejects(EXAMPLE_POLICY.replace('min_new_labels: 50', 'min_new_labels: 12.5'), 'maturity.min_new_labels', /whole number ≥ 0/);
    rejects(EXAMPLE_POLICY.replace('single_protocol_version: true', 'single_protocol_version: yes'), 'maturity.single_protocol_version', /true or false/);
    rejects(
      'policy: p\nmodel: m\nrules:\n  - name: r\n    when: input.maxPsi > 1\n    action: retrain\nmaturity: { single_protocol_version: false }\n',
      'maturity',
      /sets no check/,
    );
  });

  it('reports bad YAML with its line', () => {
    assert.throws(
      () => parsePolicy('policy: p\nmodel: m\nrules:\n  - name: r\n    when: [unclosed\n', 'p.yaml'),
      (e: RotguardError) => e.code === 'bad_yaml' && e.location.file === 'p.yaml' && typeof e.location.line === 'number',
    );
    assert.throws(
      () => parsePolicy('policy: p\npolicy: q\n'),
      (e: RotguardError) => e.code === 'bad_yaml' && e.location.line === 2,
    );
  });
});
