import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RotguardError } from '../../src/core/errors.js';
import { defaultScenario, loadScenarioFile, readScenarioFile, resolveScenario, type Scenario } from '../../src/demo/scenario.js';

const NOW = new Date('2026-11-26T12:00:00Z'); // Thursday
const base = (): Scenario => defaultScenario(NOW);

/** 1-based line of the first line containing `needle`. */
function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `"${needle}" not in the text`);
  return i + 1;
}

/** Asserts fn throws RotguardError `code` naming `field` (and `line` when given). */
function fails(fn: () => unknown, code: string, field: string | undefined, message: RegExp, line?: number): RotguardError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof RotguardError, `expected a RotguardError, got ${caught}`);
  const e = caught as RotguardError;
  assert.equal(e.code, code, e.describe());
  assert.equal(e.location.field, field, e.describe());
  assert.match(e.message, message);
  if (line !== undefined) assert.equal(e.location.line, line, e.describe());
  return e;
}

describe('demo scenario: defaults', () => {
  it('has the documented defaults and starts on the Monday 52 weeks before today', () => {
    const s = base();
    assert.deepEqual(s, {
      seed: 7,
      start: '2025-11-24',
      weeks: 52,
      historyWeeks: 26,
      compoundsPerWeek: 24,
      labelDelayWeeks: { min: 2, max: 6 },
      secondSite: { share: 0.3, offset: 0.3, batchSd: 0.1 },
      newSeries: { week: 20, share: 0.5, effect: -1.0 },
      protocolChange: { week: 38, shift: 0.6 },
      references: { count: 6 },
      noiseSd: 0.2,
    });
    assert.equal(new Date(`${s.start}T00:00:00Z`).getUTCDay(), 1);
  });

  it('takes today as the end of the year on every weekday, Monday and Sunday included', () => {
    assert.equal(defaultScenario(new Date('2026-11-23T00:00:00Z')).start, '2025-11-24'); // a Monday
    assert.equal(defaultScenario(new Date('2026-11-29T23:59:59Z')).start, '2025-11-24'); // the Sunday after
    assert.equal(defaultScenario(new Date('2026-11-30T00:00:00Z')).start, '2025-12-01');
  });

  it('the defaults pass their own validation', () => {
    assert.deepEqual(resolveScenario(base(), undefined), base());
    assert.deepEqual(resolveScenario(base(), {}), base());
  });
});

describe('demo scenario: overrides', () => {
  it('merges nested fields over the base and leaves the base alone', () => {
    const b = base();
    const s = resolveScenario(b, { seed: 11, newSeries: { week: 12 }, secondSite: { share: 0.5 } });
    assert.equal(s.seed, 11);
    assert.deepEqual(s.newSeries, { week: 12, share: 0.5, effect: -1.0 });
    assert.deepEqual(s.secondSite, { share: 0.5, offset: 0.3, batchSd: 0.1 });
    assert.equal(b.seed, 7);
    assert.equal(b.newSeries.week, 20);
  });

  it('accepts snake_case keys, as the project’s other YAML files use', () => {
    const s = resolveScenario(base(), {
      history_weeks: 10,
      new_series: { week: 5 },
      second_site: { batch_sd: 0.2 },
      label_delay_weeks: { max: 3 },
      noise_sd: 0.1,
    });
    assert.equal(s.historyWeeks, 10);
    assert.equal(s.newSeries.week, 5);
    assert.equal(s.secondSite.batchSd, 0.2);
    assert.deepEqual(s.labelDelayWeeks, { min: 2, max: 3 });
    assert.equal(s.noiseSd, 0.1);
    fails(() => resolveScenario(base(), { newSeries: { week: 5 }, new_series: { week: 6 } }), 'bad_scenario', 'new_series', /given twice/);
  });
});

describe('demo scenario: validation errors name the field', () => {
  const cases: Array<[string, unknown, string, RegExp]> = [
    ['a string for a number', { weeks: 'ten' }, 'weeks', /weeks must be a whole number from 1 to 260/],
    ['a fraction for a whole number', { compoundsPerWeek: 2.5 }, 'compoundsPerWeek', /whole number/],
    ['a share above 1', { secondSite: { share: 1.5 } }, 'secondSite.share', /from 0 to 1.*got 1\.5/],
    ['a negative noise', { noiseSd: -0.1 }, 'noiseSd', /noiseSd must be a number from 0 to 2/],
    ['too many references', { references: { count: 11 } }, 'references.count', /from 0 to 10/],
    ['an unknown field', { wekes: 3 }, 'wekes', /unknown field "wekes"/],
    ['an unknown nested field', { newSeries: { wek: 3 } }, 'newSeries.wek', /unknown field "newSeries\.wek"/],
    ['a scalar for a group', { newSeries: 3 }, 'newSeries', /newSeries must be a mapping of week, share, effect/],
    ['NaN', { seed: Number.NaN }, 'seed', /seed must be a whole number/],
    ['a start that is not a date', { start: '2025-02-30' }, 'start', /ISO date/],
    ['a start that is not a Monday', { start: '2025-11-23' }, 'start', /must be a Monday.*Sunday/],
    [
      'the new series after the last week',
      { newSeries: { week: 60 } },
      'newSeries.week',
      /newSeries\.week \(60\) must be a programme week within 1\.\.weeks \(52\)/,
    ],
    ['the protocol change after the last week', { protocolChange: { week: 53 } }, 'protocolChange.week', /within 1\.\.weeks/],
    ['a week 0 change', { protocolChange: { week: 0 } }, 'protocolChange.week', /from 1 to 260/],
    ['min delay above max', { labelDelayWeeks: { min: 7 } }, 'labelDelayWeeks.min', /must not exceed labelDelayWeeks\.max \(6\)/],
  ];
  for (const [what, overrides, field, message] of cases) {
    it(what, () => {
      fails(() => resolveScenario(base(), overrides), 'bad_scenario', field, message);
    });
  }

  it('blames the field that was given when a relation breaks: fewer weeks than the base new-series week', () => {
    fails(() => resolveScenario(base(), { weeks: 10 }), 'bad_scenario', 'weeks', /newSeries\.week \(20\) must be a programme week within 1\.\.weeks \(10\)/);
  });

  it('refuses an overrides value that is not a mapping', () => {
    fails(() => resolveScenario(base(), [1, 2]), 'bad_scenario', undefined, /must be a mapping/);
  });

  it('uses the origin it is given for file and line', () => {
    const e = fails(
      () => resolveScenario(base(), { noiseSd: 5 }, { file: 'x.yaml', lineOf: (p) => (p.join('.') === 'noiseSd' ? 42 : undefined) }),
      'bad_scenario',
      'noiseSd',
      /noiseSd/,
      42,
    );
    assert.equal(e.location.file, 'x.yaml');
    assert.match(e.describe(), /^x\.yaml:42: noiseSd: /);
  });
});

describe('demo scenario: files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rotguard-scenario-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('reads YAML and JSON overrides', () => {
    const y = write('ok.yaml', '# a shorter year\nseed: 3\nweeks: 40\nnew_series:\n  week: 10\n  share: 0.4\n');
    const s = loadScenarioFile(y, base());
    assert.deepEqual([s.seed, s.weeks, s.newSeries.week, s.newSeries.share], [3, 40, 10, 0.4]);
    const j = write('ok.json', JSON.stringify({ seed: 4, protocolChange: { week: 20 } }, null, 2));
    assert.deepEqual(resolveScenario(base(), readScenarioFile(j)).protocolChange, { week: 20, shift: 0.6 });
    assert.deepEqual(resolveScenario(base(), readScenarioFile(write('empty.yaml', ''))), base());
  });

  it('names the file, line and field of a bad value in YAML', () => {
    const text = 'seed: 3\nnewSeries:\n  week: 12\n  share: 1.7\nnoiseSd: 0.2\n';
    const path = write('bad.yaml', text);
    const e = fails(() => resolveScenario(base(), readScenarioFile(path)), 'bad_scenario', 'newSeries.share', /share/, lineOf(text, 'share: 1.7'));
    assert.equal(e.location.file, path);
    fails(() => loadScenarioFile(path, base()), 'bad_scenario', 'newSeries.share', /share/, 4);
  });

  it('names the line of an unknown key and of a relation broken in the file', () => {
    const typo = 'seed: 3\nweeks: 30\nprotocol_change:\n  wek: 12\n';
    fails(() => loadScenarioFile(write('typo.yaml', typo), base()), 'bad_scenario', 'protocol_change.wek', /unknown field/, lineOf(typo, 'wek: 12'));
    const order = 'weeks: 30\nprotocolChange:\n  week: 31\n';
    fails(
      () => loadScenarioFile(write('order.yaml', order), base()),
      'bad_scenario',
      'protocolChange.week',
      /within 1\.\.weeks \(30\)/,
      lineOf(order, 'week: 31'),
    );
    const delays = 'labelDelayWeeks:\n  max: 1\n';
    fails(
      () => loadScenarioFile(write('delays.yaml', delays), base()),
      'bad_scenario',
      'labelDelayWeeks.max',
      /min \(2\) must not exceed labelDelayWeeks\.max \(1\)/,
      2,
    );
  });

  it('names the line of a bad value in JSON', () => {
    const text = '{\n  "seed": 3,\n  "secondSite": {\n    "share": "lots"\n  }\n}\n';
    fails(() => loadScenarioFile(write('bad.json', text), base()), 'bad_scenario', 'secondSite.share', /share/, lineOf(text, '"share"'));
  });

  it('reports YAML and JSON syntax errors with the line', () => {
    const yaml = 'seed: 3\nnewSeries:\n  week: 12\n   share: 0.5\n';
    const ey = fails(() => readScenarioFile(write('syntax.yaml', yaml)), 'bad_yaml', undefined, /not valid YAML/);
    assert.equal(typeof ey.location.line, 'number');
    assert.ok(ey.location.line! >= 3 && ey.location.line! <= 4, ey.describe());
    const json = '{\n  "seed": 3,\n  "weeks": 30,\n}\n';
    const ej = fails(() => readScenarioFile(write('syntax.json', json)), 'bad_json', undefined, /not valid JSON/);
    assert.equal(ej.location.line, 4, ej.describe());
    const twice = '{\n  "seed": 3,\n  "seed": 4\n}\n';
    const et = fails(() => readScenarioFile(write('twice.json', twice)), 'bad_json', undefined, /unique/);
    assert.equal(et.location.line, 3, et.describe());
    fails(() => readScenarioFile(join(dir, 'missing.yaml')), 'file_not_found', undefined, /cannot read scenario/);
  });
});
