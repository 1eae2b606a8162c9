import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allErrorCodes, categoryOf, ERROR_CATEGORIES, exitCodeOf, httpStatusOf, isErrorCode } from '../../src/core/error-codes.js';
import { RotguardError } from '../../src/core/errors.js';
import { main } from '../../src/cli/main.js';

describe('error catalogue', () => {
  it('puts every code in exactly one category, with an exit code and an HTTP status', () => {
    const listed = Object.values(ERROR_CATEGORIES).flatMap((c) => [...c.codes]);
    assert.equal(new Set(listed).size, listed.length, 'no code in two categories');
    assert.equal(allErrorCodes().length, listed.length);
    for (const code of allErrorCodes()) {
      assert.ok([1, 2, 3].includes(exitCodeOf(code)), code);
      assert.ok(httpStatusOf(code) >= 400 && httpStatusOf(code) < 600, code);
    }
  });

  it('maps categories as documented', () => {
    assert.equal(categoryOf('unknown_model'), 'not_found');
    assert.equal(httpStatusOf('unknown_model'), 404);
    assert.equal(httpStatusOf('approver_is_builder'), 403);
    assert.equal(exitCodeOf('approver_is_builder'), 1);
    assert.equal(exitCodeOf('blob_hash_invalid'), 3, 'a failed integrity check exits 3, like a tampered log');
    assert.equal(new RotguardError('usage', 'x').httpStatus, 400);
    assert.equal(isErrorCode('bad_recipe'), true);
    assert.equal(isErrorCode('made_up'), false);
  });

  it("the CLI exits with the catalogue's code and prints the category with --json", async () => {
    let out = '';
    const code = await main(['models', 'list', '--workspace', '/nonexistent/rotguard-ws', '--json'], {
      out: (t) => {
        out += t;
      },
      err: () => undefined,
    });
    assert.equal(code, 1);
    const parsed: unknown = JSON.parse(out);
    assert.deepEqual(parsed && typeof parsed === 'object' && 'error' in parsed ? (parsed.error as Record<string, unknown>).category : null, 'not_found');
  });
});
