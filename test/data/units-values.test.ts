import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RotguardError } from '../../src/core/errors.js';
import { convertValue, convertible, parseUnit } from '../../src/data/units.js';
import { parseDate, parseValue } from '../../src/data/values.js';

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${actual} ≠ ${expected}`);

describe('units', () => {
  it('converts within a dimension', () => {
    close(convertValue(5, parseUnit('mg/L'), parseUnit('ug/mL')), 5);
    close(convertValue(2, parseUnit('mg/mL'), parseUnit('ug/mL')), 2000);
    assert.ok(Math.abs(convertValue(1.2, parseUnit('L/h/kg'), parseUnit('mL/min/kg')) - 20) < 1e-12);
    close(convertValue(35, parseUnit('%'), parseUnit('fraction')), 0.35);
  });

  it('undoes a log10 scale before converting', () => {
    assert.ok(Math.abs(convertValue(2, parseUnit('log10(ug/mL)'), parseUnit('ug/mL')) - 100) < 1e-9);
    assert.ok(Math.abs(convertValue(-1, parseUnit('log10(mg/mL)'), parseUnit('ug/mL')) - 100) < 1e-9);
  });

  it('converts molar to mass concentration through the molecular weight', () => {
    // 100 µM of aspirin (180.159 g/mol) = 18.0159 µg/mL
    assert.ok(Math.abs(convertValue(100, parseUnit('uM'), parseUnit('ug/mL'), 180.159) - 18.0159) < 1e-9);
    assert.ok(Math.abs(convertValue(18.0159, parseUnit('ug/mL'), parseUnit('uM'), 180.159) - 100) < 1e-9);
    assert.ok(convertible(parseUnit('nM'), parseUnit('mg/L')));
    assert.ok(!convertible(parseUnit('cm/s'), parseUnit('mg/L')));
  });

  it('accepts µ spellings and refuses unknown units by name', () => {
    assert.equal(parseUnit('µg/mL').unit, 'ug/mL');
    assert.throws(
      () => parseUnit('furlongs'),
      (e: unknown) => e instanceof RotguardError && e.code === 'unknown_unit' && /furlongs/.test(e.message),
    );
  });
});

describe('measurement values', () => {
  it('parses numbers and censoring qualifiers', () => {
    assert.deepEqual(parseValue('12.5', undefined), { ok: true, value: { value: 12.5, qualifier: '=' } });
    assert.deepEqual(parseValue('<0.1', undefined), { ok: true, value: { value: 0.1, qualifier: '<' } });
    assert.deepEqual(parseValue('>= 100', undefined), { ok: true, value: { value: 100, qualifier: '>' } });
    assert.deepEqual(parseValue('3e-2', '<'), { ok: true, value: { value: 0.03, qualifier: '<' } });
  });

  it('refuses empty, non-numeric and contradictory values', () => {
    assert.equal((parseValue('', undefined) as { code: string }).code, 'no_value');
    assert.equal((parseValue('high', undefined) as { code: string }).code, 'bad_value');
    assert.equal((parseValue('<5', '>') as { code: string }).code, 'bad_qualifier');
    assert.equal((parseValue('5', '~') as { code: string }).code, 'bad_qualifier');
  });

  it('parses ISO dates and refuses impossible and future ones', () => {
    const now = Date.parse('2026-06-01T00:00:00Z');
    assert.deepEqual(parseDate('2024-02-29', now), { ok: true, value: '2024-02-29' });
    assert.deepEqual(parseDate('2024-03-01T10:30:00Z', now), { ok: true, value: '2024-03-01T10:30:00.000Z' });
    assert.equal((parseDate('2023-02-29', now) as { code: string }).code, 'impossible_date');
    assert.equal((parseDate('2024-13-01', now) as { code: string }).code, 'impossible_date');
    assert.equal((parseDate('01/02/2024', now) as { code: string }).code, 'bad_date');
    assert.equal((parseDate('2027-01-01', now) as { code: string }).code, 'future_date');
    assert.equal((parseDate('', now) as { code: string }).code, 'missing_date');
  });
});
