import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { NO_AMBIENT_WORKSPACE, runCli } from '../helpers/cli.js';

describe('rotguard webhooks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rotguard-cli-webhooks-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const rg = (...args: string[]) => runCli(dir, { ...NO_AMBIENT_WORKSPACE, ROTGUARD_USER: 'admin' }, args);

  it('adds (secret printed once), lists, shows deliveries and removes; bad flags exit 1', () => {
    assert.equal(rg('init').code, 0);
    const added = rg('webhooks', 'add', 'https://bot:pw@hooks.example.org/x', '--org-wide', '--kinds', 'promoted,decided', '--json');
    assert.equal(added.code, 0, added.stderr);
    const r = JSON.parse(added.stdout) as { webhook: { id: string; kinds: string[]; url: string }; secret: string };
    assert.match(r.secret, /^whsec_/);
    assert.deepEqual(r.webhook.kinds, ['decision', 'promoted_challenger', 'promoted_champion']);
    assert.equal(r.webhook.url, 'https://***:***@hooks.example.org/x');

    writeFileSync(join(dir, 'secret.txt'), 'my-own-secret-of-20-chars\n');
    const own = rg('webhooks', 'add', 'http://127.0.0.1:9/h', '--team', 'chem-a', '--kinds', '*', '--secret-file', 'secret.txt');
    assert.equal(own.code, 0, own.stderr);
    assert.match(own.stdout, /signing secret: the one in the secret file/);
    assert.ok(!own.stdout.includes('my-own-secret'));

    const list = rg('webhooks', 'list');
    assert.equal(list.code, 0);
    assert.match(
      list.stdout,
      new RegExp(`${r.webhook.id}\\s+\\(org-wide\\)\\s+https://\\*\\*\\*:\\*\\*\\*@hooks.example.org/x  kinds decision,promoted_challenger,promoted_champion`),
    );
    assert.match(list.stdout, /chem-a\s+http:\/\/127.0.0.1:9\/h {2}kinds \*/);
    assert.ok(!list.stdout.includes(r.secret) && !list.stdout.includes(':pw@'));

    const deliveries = rg('webhooks', 'deliveries', r.webhook.id);
    assert.equal(deliveries.code, 0);
    assert.match(deliveries.stdout, /no deliveries yet/);
    assert.equal(rg('webhooks', 'remove', r.webhook.id).code, 0);
    assert.match(rg('webhooks', 'list').stdout, /removed .* by admin/);

    const again = rg('webhooks', 'remove', r.webhook.id, '--json');
    assert.equal(again.code, 1);
    assert.equal((JSON.parse(again.stdout) as { error: { code: string } }).error.code, 'webhook_removed');
    assert.equal(rg('webhooks', 'add', 'https://example.org/x', '--kinds', '*').code, 1, 'neither --team nor --org-wide');
    assert.equal(rg('webhooks', 'add', 'https://example.org/x', '--team', 'a', '--org-wide', '--kinds', '*').code, 1);
    assert.equal(rg('webhooks', 'add', 'https://example.org/x', '--team', 'a').code, 1, 'no --kinds');
  });
});
