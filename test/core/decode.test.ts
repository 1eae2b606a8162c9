import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { d, decodeJson, readJsonBlob } from '../../src/core/decode.js';
import { RotguardError, StoredDataError } from '../../src/core/errors.js';

const HASH = 'ab'.repeat(32);
const point = d.object({ x: d.number, label: d.optional(d.string), tags: d.array(d.string), kind: d.literal('a', 'b') });

describe('decoders', () => {
  it('return the value typed, keeping fields they do not declare, dropping absent optional ones', () => {
    const p = decodeJson('{"x":1.5,"tags":["t"],"kind":"a","extra":true}', point, { kind: 'row', what: 'point', id: 'p1' });
    assert.deepEqual(p, { x: 1.5, tags: ['t'], kind: 'a', extra: true });
    assert.equal('label' in p, false);
  });

  it('name the source, the path of the first bad field, what was expected and what was found', () => {
    const err = (text: string) => {
      try {
        decodeJson(text, point, { kind: 'blob', what: 'point', id: HASH });
      } catch (e) {
        return e;
      }
      assert.fail('decoded');
    };
    const e = err('{"x":1,"tags":["t",3],"kind":"a"}');
    assert.ok(e instanceof StoredDataError && e instanceof RotguardError);
    assert.equal(e.code, 'blob_malformed');
    assert.equal(e.location.field, 'tags[1]');
    assert.match(e.message, new RegExp(`^point blob ${HASH} does not have the expected shape: tags\\[1\\]: expected a string, got number 3`));
    assert.match((err('{"x":"1","tags":[],"kind":"a"}') as Error).message, /x: expected a number, got string "1"/);
    assert.match((err('{"x":1,"tags":[],"kind":"c"}') as Error).message, /kind: expected "a" \| "b", got string "c"/);
    assert.match((err('{"tags":[],"kind":"a"}') as Error).message, /x: expected a number, got nothing/);
    assert.match((err('[1]') as Error).message, /\(top\): expected an object, got an array of 1/);
    assert.match((err('{"x":1,') as Error).message, new RegExp(`point blob ${HASH} is not valid JSON`));
  });

  it('refuse non-finite and non-integer numbers where the type says so; report numbers accept null (stored NaN)', () => {
    assert.throws(() => d.integer(1.5), /\(top\): expected an integer/);
    assert.throws(() => d.number(null), /expected a number, got null/);
    assert.equal(d.reportNumber(null), null);
    assert.throws(() => d.reportNumber('1'), /expected a number or null/);
    assert.throws(() => d.sha256('AB'.repeat(32)), /sha256/);
  });

  it('pick the branch of a tagged union by its tag, and say which tags exist', () => {
    const shapes = d.array(
      d.tagged('type', { circle: d.object({ type: d.literal('circle'), r: d.number }), square: d.object({ type: d.literal('square'), side: d.number }) }),
    );
    assert.deepEqual(shapes([{ type: 'square', side: 2 }]), [{ type: 'square', side: 2 }]);
    assert.throws(
      () => shapes([{ type: 'circle', r: 1 }, { type: 'hexagon' }]),
      /^ShapeError: \[1\]\.type: expected "circle" \| "square", got string "hexagon"/,
    );
    assert.throws(() => shapes([{ type: 'circle', r: 'big' }]), /\[0\]\.r: expected a number/);
  });

  it('check in place: a valid value comes back as the same object, not a copy', () => {
    const value = { x: 1, tags: ['a'], kind: 'b' };
    assert.equal(point(value), value);
    assert.equal(d.array(point)([value])[0], value);
  });

  it('read a blob through the store interface and name its hash when it does not decode', async () => {
    const blobs = { get: async (h: string) => Buffer.from(h === HASH ? '{"x":1,"tags":[],"kind":"b"}' : '{"x":1}') };
    assert.deepEqual(await readJsonBlob(blobs, HASH, point, 'point'), { x: 1, tags: [], kind: 'b' });
    await assert.rejects(
      readJsonBlob(blobs, 'cd'.repeat(32), point, 'point'),
      (e: unknown) => e instanceof StoredDataError && e.code === 'blob_malformed' && e.message.includes('cd'.repeat(32)),
    );
  });
});
