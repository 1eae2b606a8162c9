import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readDelimited, type DelimitedRecord } from '../../src/data/delimited.js';

async function read(chunks: string[], delimiter = ','): Promise<DelimitedRecord[]> {
  const out: DelimitedRecord[] = [];
  async function* source() {
    yield* chunks;
  }
  for await (const r of readDelimited(source(), delimiter)) out.push(r);
  return out;
}

/** Every way of cutting the text into two chunks must give the same records. */
async function readAllSplits(text: string): Promise<DelimitedRecord[]> {
  const whole = await read([text]);
  for (let cut = 1; cut < text.length; cut++) {
    assert.deepEqual(await read([text.slice(0, cut), text.slice(cut)]), whole, `split at ${cut}`);
  }
  return whole;
}

describe('readDelimited', () => {
  it('reads plain rows with their line numbers', async () => {
    const rows = await read(['a,b\n1,2\n3,4\n']);
    assert.deepEqual(
      rows.map((r) => [r.line, r.fields]),
      [
        [1, ['a', 'b']],
        [2, ['1', '2']],
        [3, ['3', '4']],
      ],
    );
  });

  it('handles Windows line endings and a byte-order mark, split anywhere', async () => {
    const rows = await readAllSplits('\ufeffid,smiles\r\n1,CCO\r\n2,c1ccccc1\r\n');
    assert.deepEqual(
      rows.map((r) => r.fields),
      [
        ['id', 'smiles'],
        ['1', 'CCO'],
        ['2', 'c1ccccc1'],
      ],
    );
    assert.deepEqual(
      rows.map((r) => r.line),
      [1, 2, 3],
    );
  });

  it('handles quoted fields with delimiters, escaped quotes and newlines, split anywhere', async () => {
    const rows = await readAllSplits('id,note\n1,"a, ""quoted"" note"\n2,"two\nlines"\n3,x\n');
    assert.deepEqual(
      rows.map((r) => r.fields),
      [
        ['id', 'note'],
        ['1', 'a, "quoted" note'],
        ['2', 'two\nlines'],
        ['3', 'x'],
      ],
    );
    // The record after a two-line field starts on physical line 5.
    assert.deepEqual(
      rows.map((r) => r.line),
      [1, 2, 3, 5],
    );
  });

  it('skips blank lines but keeps counting them', async () => {
    const rows = await read(['a\n\n\nb\n']);
    assert.deepEqual(
      rows.map((r) => [r.line, r.fields[0]]),
      [
        [1, 'a'],
        [4, 'b'],
      ],
    );
  });

  it('keeps an empty quoted field as a record', async () => {
    const rows = await read(['a\n""\n']);
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[1]!.fields, ['']);
  });

  it('reads a last line without a newline', async () => {
    const rows = await read(['a,b\n1,2']);
    assert.deepEqual(rows[1]!.fields, ['1', '2']);
  });

  it('flags an unclosed quote and text after a closing quote', async () => {
    const open = await read(['a,b\n1,"never closed\n']);
    assert.match(open[1]!.problem ?? '', /never closed/);
    const after = await read(['a,b\n1,"x"y\n']);
    assert.match(after[1]!.problem ?? '', /after a closing quote/);
  });

  it('reads tab-separated text', async () => {
    const rows = await read(['a\tb\n1\t2\n'], '\t');
    assert.deepEqual(rows[1]!.fields, ['1', '2']);
  });
});
