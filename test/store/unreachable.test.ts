import assert from 'node:assert/strict';
import { it } from 'node:test';
import { isStoreUnreachable } from '../../src/store/unreachable.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

it('a database that cannot be reached is told apart from a query or a bug', () => {
  for (const e of [
    withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
    withCode('terminating connection due to administrator command', '57P01'),
    withCode('the database system is starting up', '57P03'),
    withCode('database "x" does not exist', '3D000'),
    withCode('connection failure', '08006'),
    withCode('sorry, too many clients already', '53300'),
    new Error('Connection terminated unexpectedly'),
  ]) {
    assert.equal(isStoreUnreachable(e), true, e.message);
  }
  for (const e of [
    withCode('duplicate key value violates unique constraint', '23505'),
    withCode('syntax error at or near "selec"', '42601'),
    withCode('permission denied for table models', '42501'),
    new TypeError("Cannot read properties of undefined (reading 'team')"),
    'Connection terminated unexpectedly',
    null,
  ]) {
    assert.equal(isStoreUnreachable(e), false, String(e));
  }
});
