import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { startWebhookDispatcher } from '../../src/notify/dispatcher.js';
import { signWebhookBody } from '../../src/notify/signature.js';
import { addWebhook } from '../../src/notify/webhooks.js';
import { appendEvent } from '../../src/store/event-log.js';
import { openStore } from '../../src/store/store.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('the README receiver', () => {
  it('is examples/webhook-receiver.mjs, word for word', () => {
    const readme = readFileSync(`${root}README.md`, 'utf8');
    const section = readme.slice(readme.indexOf('A receiver verifies the signature'));
    const block = /```js\n([\s\S]*?)```/.exec(section);
    assert.ok(block);
    assert.equal(block[1], readFileSync(`${root}examples/webhook-receiver.mjs`, 'utf8'));
  });

  // The receiver does not depend on the store's backend: one (embedded) store is enough.
  it('accepts what the dispatcher sends, logs each event once, and answers 401 to a forged body', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'rotguard-receiver-example-'));
    const store = await openStore({ workspace, migrate: true });
    const port = await freePort();
    const secret = 'receiver-example-secret-1234';
    await addWebhook(store, { url: `http://127.0.0.1:${port}/`, team: null, kinds: ['registered'], secret }, 'admin');
    // The package imports 'rotguard' by name (package.json "exports"), as a receiver would.
    const child = spawn(process.execPath, ['examples/webhook-receiver.mjs'], {
      cwd: root,
      env: { ...process.env, PORT: String(port), ROTGUARD_WEBHOOK_SECRET: secret },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    const controller = new AbortController();
    // Started before the receiver listens: the first attempts are refused and retried.
    const d = startWebhookDispatcher(store, { signal: controller.signal, pollMs: 20, retry: { baseMs: 10, maxDelayMs: 50, maxAttempts: 100 } });
    try {
      for (const v of [1, 2])
        await appendEvent(store.db, {
          kind: 'registered',
          subject: 'sol-rf',
          model: 'sol-rf',
          versionId: `sol-rf@${v}`,
          actor: 'ana',
          reason: `build ${v}`,
          payload: { buildHash: null, origin: 'built' },
        });
      d.notify();
      while (out.split('\n').filter(Boolean).length < 2) await new Promise((r) => setTimeout(r, 10));
      const lines = out.trim().split('\n');
      assert.match(lines[0]!, /^\d+ registered sol-rf build 1$/);
      assert.match(lines[1]!, /^\d+ registered sol-rf build 2$/);

      const body = JSON.stringify({ seq: 99, id: 'forged', kind: 'promoted_champion', subject: 'sol-rf', reason: 'no review' });
      const post = (signature: string) =>
        fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: { 'x-rotguard-signature': signature }, body }).then((r) => r.status);
      assert.equal(await post(signWebhookBody('another-secret-entirely', body)), 401);
      assert.equal(await post(signWebhookBody(secret, body.replace('no review', 'reviewed'))), 401);
      assert.equal(await post(signWebhookBody(secret, body)), 204);
      assert.equal(await post(signWebhookBody(secret, body)), 204, 'a repeat is accepted…');
      assert.equal(
        out
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('99 ')).length,
        1,
        '…and logged once',
      );
    } finally {
      controller.abort();
      await d.stopped;
      child.kill();
      await store.close();
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});
