import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { actingTeam, withActingTeam } from '../../src/core/acting-team.js';
import { openStore } from '../../src/store/store.js';
import { createContext, inContext } from '../../src/usecases/context.js';
import { testBackend } from '../store/backends.js';

describe('acting team', () => {
  const locations = testBackend('sqlite');
  after(() => locations.cleanup());

  it('is scoped to a call chain: concurrent chains each see their own team, and none outside', async () => {
    const seen: Record<string, Array<string | null>> = { a: [], b: [] };
    const step = async (name: 'a' | 'b', delay: number) => {
      for (let i = 0; i < 3; i++) {
        seen[name]!.push(actingTeam());
        await new Promise((r) => setTimeout(r, delay));
      }
    };
    await Promise.all([withActingTeam('dmpk', () => step('a', 3)), withActingTeam('chem', () => step('b', 2))]);
    assert.deepEqual(seen, { a: ['dmpk', 'dmpk', 'dmpk'], b: ['chem', 'chem', 'chem'] });
    assert.equal(actingTeam(), null);
    assert.equal(await withActingTeam('x', () => withActingTeam(null, async () => actingTeam())), null);
  });

  it("inContext runs a use case under the context's team (and a context without one under none)", async () => {
    const store = await openStore({ ...(await locations.freshLocation()), migrate: true });
    try {
      assert.equal(await inContext(createContext(store, { actor: 'ana', team: 'dmpk' }), async () => actingTeam()), 'dmpk');
      assert.equal(await withActingTeam('chem', () => inContext(createContext(store, { actor: 'ana' }), async () => actingTeam())), null);
    } finally {
      await store.close();
    }
  });
});
