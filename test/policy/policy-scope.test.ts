import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RotguardError } from '../../src/core/errors.js';
import { describeScope, parsePolicy, policyDocument, policyGoverns } from '../../src/policy/policy-file.js';

const rules = `rules:
  - name: new_chemistry
    when: input.unseenScaffoldShare > 0.5
    action: watch
`;

describe('policies for several models (applies_to)', () => {
  it('governs every model matching all given fields: endpoint, team, a name pattern', () => {
    const p = parsePolicy(`policy: shared\napplies_to: { endpoint: solubility, team: adme, models: "sol-*" }\n${rules}`);
    assert.equal(p.model, null);
    assert.equal(policyGoverns(p, { model: 'sol-rf', endpoint: 'solubility', team: 'adme' }), true);
    assert.equal(policyGoverns(p, { model: 'sol-gp-2', endpoint: 'solubility', team: 'adme' }), true);
    assert.equal(policyGoverns(p, { model: 'sol-rf', endpoint: 'solubility', team: 'dmpk' }), false, 'another team');
    assert.equal(policyGoverns(p, { model: 'hlm-rf', endpoint: 'solubility', team: 'adme' }), false, 'another name');
    assert.equal(policyGoverns(p, { model: 'sol-rf', endpoint: 'logd', team: 'adme' }), false, 'another endpoint');
    assert.equal(describeScope(p), 'models sol-* of endpoint solubility of team adme');
    assert.deepEqual(policyDocument(p).applies_to, { endpoint: 'solubility', team: 'adme', models: 'sol-*' });
  });

  it('a pattern is a name pattern, not a regular expression', () => {
    const p = parsePolicy(`policy: shared\napplies_to: { models: "a-*" }\n${rules}`);
    assert.equal(policyGoverns(p, { model: 'a-x', endpoint: 'e', team: 't' }), true);
    assert.equal(policyGoverns(p, { model: 'ab-x', endpoint: 'e', team: 't' }), false);
    assert.throws(
      () => parsePolicy(`policy: shared\napplies_to: { models: "a.(b)+" }\n${rules}`),
      (e: unknown) => e instanceof RotguardError && e.location.field === 'applies_to.models',
    );
  });

  it('a single-model policy hashes as before and governs only its model', () => {
    const p = parsePolicy(`policy: mine\nmodel: sol-rf\n${rules}`);
    assert.equal(policyDocument(p).model, 'sol-rf');
    assert.equal('applies_to' in policyDocument(p), false);
    assert.equal(policyGoverns(p, { model: 'sol-rf', endpoint: 'x', team: 'y' }), true);
    assert.equal(policyGoverns(p, { model: 'sol-rf2', endpoint: 'x', team: 'y' }), false);
  });

  it('refuses both model and applies_to, an empty scope, and unknown fields', () => {
    const err = (text: string, field: string) =>
      assert.throws(
        () => parsePolicy(text),
        (e: unknown) => e instanceof RotguardError && e.code === 'bad_policy' && e.location.field === field,
        field,
      );
    err(`policy: p\nmodel: m\napplies_to: { team: t }\n${rules}`, 'applies_to');
    err(`policy: p\napplies_to: {}\n${rules}`, 'applies_to');
    err(`policy: p\napplies_to: { site: s }\n${rules}`, 'applies_to.site');
  });
});
