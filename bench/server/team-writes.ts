/**
 * bench/server/team-writes: do writes of different teams serialize on the event log's one
 * global lock, and what does it cost?
 *
 *   npm run bench:team-writes [-- --writers 1,2,4,8 --seconds 5 --batch 20 --variants event,no-event --repeat 1]
 *
 * Needs PostgreSQL: ROTGUARD_TEST_DATABASE_URL (or ROTGUARD_DATABASE_URL), a role with
 * CREATEDB; a fresh database is made and dropped. K concurrent writers, each a different
 * team with its own model and its own connection pool (as K server processes or clients
 * would be), each doing the same write transaction in a loop for --seconds:
 *
 *   event     what serve/predict.ts recordBatch commits for one batch of a prediction request:
 *             --batch prediction rows, then the batch's `predicted` event through the real
 *             appendEvent (advisory lock EVENT_LOG_LOCK_KEY, read the head, insert the chained,
 *             signed event), commit. The writer takes that same lock itself just before
 *             appendEvent (advisory locks are re-entrant), only to timestamp when it was
 *             granted: hold = grant → commit returned; wait = request → grant.
 *   no-event  the same prediction rows without the event: the team's own work, the ceiling if
 *             the log cost nothing and nothing serialized the teams.
 *   inbox     a PROTOTYPE of the proposed fix (bench only, not in src/): the writer's transaction
 *             inserts its rows and the event into an unchained `event_inbox` table, without the
 *             global lock, so teams commit in parallel (and PostgreSQL can group their
 *             commits); one sealer (here a loop in this process) takes the global lock, moves
 *             everything committed in the inbox into `events`, chained and signed exactly as
 *             appendEvent does, in one transaction per batch (one commit for many events), and
 *             deletes it from the inbox. Reported besides: seal lag, commit of the write → its
 *             event sealed in the chain.
 *
 * Per K and variant: transactions per second, transaction latency p50/p99, lock wait p50/p99,
 * lock hold p50/mean, and lock utilisation = Σ hold / wall time (near 1: the lock is the
 * bottleneck, the writers queue behind it). The event log is verified at the end.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { sha256Hex } from '../../src/core/hash.js';
import { rowsDigest } from '../../src/serve/prediction-digest.js';
import { canonicalJson } from '../../src/core/hash.js';
import { eventMac } from '../../src/store/event-key.js';
import { appendEvent, EVENT_LOG_LOCK_KEY, eventHash, eventLogHead, verifyEventLog, type HashedEventFields } from '../../src/store/event-log.js';
import type { NewRow } from '../../src/store/schema.js';
import { openStore, type Store } from '../../src/store/store.js';
import { maskUrl } from '../../src/core/mask-url.js';

const { values: args } = parseArgs({
  options: {
    writers: { type: 'string', default: '1,2,4,8' },
    seconds: { type: 'string', default: '5' },
    batch: { type: 'string', default: '20' },
    variants: { type: 'string', default: 'event,no-event,inbox' },
    repeat: { type: 'string', default: '1' },
  },
});
const WRITERS = args.writers!.split(',').map(Number);
const SECONDS = Number(args.seconds);
const BATCH = Number(args.batch);
type Variant = 'event' | 'no-event' | 'inbox';
const VARIANTS = args.variants!.split(',') as Variant[];
const REPEAT = Number(args.repeat);
const ADMIN_URL = process.env.ROTGUARD_TEST_DATABASE_URL || process.env.ROTGUARD_DATABASE_URL;

interface Sample {
  latencyMs: number;
  waitMs: number | null;
  holdMs: number | null;
}

function quantile(xs: number[], q: number): number {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (pos - lo);
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function predictionRows(team: number, request: string, batch: number): NewRow<'predictions'>[] {
  const at = new Date().toISOString();
  return Array.from({ length: BATCH }, (_, i) => {
    const ik = sha256Hex(`${team}:${request}:${batch}:${i}`).slice(0, 27).toUpperCase();
    return {
      id: randomUUID(),
      request,
      model_version: `model-t${team}@1`,
      team: `team-${team}`,
      feature_hash: 'f'.repeat(64),
      input_hash: sha256Hex(ik),
      input_id: `CPD-${batch}-${i}`,
      inchikey: ik,
      smiles: 'c1ccccc1O',
      value: i / 10,
      uncertainty: 0.3,
      interval_level: 0.9,
      lower: i / 10 - 0.5,
      upper: i / 10 + 0.5,
      max_similarity: 0.62,
      nearest_inchikey: ik,
      scaffold: 'c1ccccc1',
      scaffold_seen: 1,
      model_frozen: 0,
      requested_by: `user-t${team}`,
      requested_at: at,
      batch,
    };
  });
}

/** One writer's loop: until the deadline, one batch transaction after another. */
/** When each inbox event's write committed, and when the sealer committed it into the chain (performance.now, by event id). */
const inboxCommitted = new Map<string, number>();
const inboxSealed = new Map<string, number>();

async function writer(store: Store, team: number, variant: Variant, deadline: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  const request = randomUUID();
  const inboxIds: string[] = [];
  for (let batch = 0; performance.now() < deadline; batch++) {
    const rows = predictionRows(team, request, batch);
    let requested = 0;
    let granted = 0;
    const t0 = performance.now();
    await store.db.transaction().execute(async (trx) => {
      await trx.insertInto('predictions').values(rows).execute();
      if (variant === 'no-event') return;
      const { count, digest } = rowsDigest(rows as Array<{ id: string; value: number; input_hash: string; model_version: string }>);
      if (variant === 'inbox') {
        const id = randomUUID();
        inboxIds.push(id);
        await sql`insert into event_inbox (team, id, at, actor, kind, subject, model, version_id, reason, payload)
          values (${`team-${team}`}, ${id}, ${new Date().toISOString()}, ${`user-t${team}`}, 'predicted', ${`request:${request}`}, ${`model-t${team}`}, ${`model-t${team}@1`},
                  ${`${count} predictions (batch ${batch + 1})`}, ${canonicalJson({ request, batch, count, digest })})`.execute(trx);
        return;
      }
      requested = performance.now();
      await sql`select pg_advisory_xact_lock(${sql.lit(EVENT_LOG_LOCK_KEY)})`.execute(trx);
      granted = performance.now();
      await appendEvent(trx, {
        kind: 'predicted',
        subject: `request:${request}`,
        model: `model-t${team}`,
        versionId: `model-t${team}@1`,
        actor: `user-t${team}`,
        reason: `${count} predictions (batch ${batch + 1})`,
        payload: { request, batch, count, digest },
      });
    });
    const t1 = performance.now();
    for (const id of inboxIds.splice(0)) inboxCommitted.set(id, t1);
    samples.push({ latencyMs: t1 - t0, waitMs: variant === 'event' ? granted - requested : null, holdMs: variant === 'event' ? t1 - granted : null });
  }
  return samples;
}

/**
 * The prototype sealer: until stopped, moves every committed inbox row into the chained
 * log, a batch per transaction under the global lock (the one place that still
 * serializes); polls every 2 ms while the inbox is empty.
 */
async function sealer(store: Store, stop: { now: boolean }): Promise<number> {
  let sealed = 0;
  while (!stop.now) {
    // An empty inbox costs one cheap read, not a locked transaction.
    if (!(await sql`select 1 from event_inbox limit 1`.execute(store.db)).rows.length) {
      await new Promise((r) => setTimeout(r, 2));
      continue;
    }
    const n = await store.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${sql.lit(EVENT_LOG_LOCK_KEY)})`.execute(trx);
      const inbox = (
        await sql<{
          n: number;
          id: string;
          team: string | null;
          at: string;
          actor: string;
          kind: string;
          subject: string;
          model: string;
          version_id: string;
          reason: string;
          payload: string;
        }>`
          select n, team, id, at, actor, kind, subject, model, version_id, reason, payload from event_inbox order by n limit 1000`.execute(trx)
      ).rows;
      if (!inbox.length) return [];
      const head = await eventLogHead(trx);
      let prev = head.hash;
      const rows = inbox.map((e, i) => {
        const fields: HashedEventFields = { ...e, seq: head.seq + 1 + i, prev_hash: prev };
        delete (fields as { n?: number }).n;
        const hash = eventHash(fields);
        prev = hash;
        return { ...fields, team: e.team, hash, mac: store.eventKey ? eventMac(store.eventKey, hash) : null };
      });
      await trx.insertInto('events').values(rows).execute();
      // Exactly the rows sealed: a range (n <= last) would also delete a row with a lower n whose
      // writer committed between the select and the delete (a statement sees what committed before it), losing that event.
      await sql`delete from event_inbox where n = any(${inbox.map((e) => e.n)}::bigint[])`.execute(trx);
      return inbox.map((e) => e.id);
    });
    const now = performance.now();
    sealed += n.length;
    for (const id of n) inboxSealed.set(id, now);
  }
  return sealed;
}

async function main(): Promise<void> {
  if (!ADMIN_URL) {
    console.error('bench:team-writes needs PostgreSQL: set ROTGUARD_TEST_DATABASE_URL=postgres://USER:PASSWORD@HOST:PORT/DB (a role with CREATEDB)');
    process.exit(1);
  }
  const cpu = cpus();
  console.log(`command: npm run bench:team-writes -- ${process.argv.slice(2).join(' ')}`.trimEnd());
  console.log(
    `machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores; Node ${process.version}; load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  const settings = await admin(async (c) => {
    const out: string[] = [];
    for (const s of ['server_version', 'fsync', 'synchronous_commit', 'wal_sync_method', 'commit_delay'])
      out.push(`${s}=${Object.values((await c.query(`show ${s}`)).rows[0] as object)[0]}`);
    return out.join(' ');
  });
  console.log(`PostgreSQL at ${maskUrl(ADMIN_URL)}: ${settings}`);
  console.log(`writers ${WRITERS.join(',')}; ${SECONDS} s each; ${BATCH} prediction rows per transaction; variants ${VARIANTS.join(',')}; repeat ${REPEAT}\n`);

  const name = `rotguard_bench_tw_${process.pid}`;
  const workspace = mkdtempSync(join(tmpdir(), 'rotguard-bench-tw-'));
  await admin((c) => c.query(`create database ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const stores: Store[] = [];
  try {
    const setup = await openStore({ workspace, databaseUrl, migrate: true });
    stores.push(setup);
    const at = new Date().toISOString();
    const maxK = Math.max(...WRITERS);
    await setup.db
      .insertInto('endpoints')
      .values({
        name: 'solubility',
        unit: 'ug/mL',
        transform: 'log10',
        direction: 'higher_is_better',
        valid_min: 0,
        valid_max: null,
        description: '',
        definition_hash: 'a'.repeat(64),
        created_at: at,
        created_by: 'bench',
      })
      .execute();
    for (let t = 1; t <= maxK; t++) {
      await setup.db
        .insertInto('teams')
        .values({ name: `team-${t}`, created_at: at })
        .execute();
      await setup.db
        .insertInto('model_versions')
        .values({
          id: `model-t${t}@1`,
          model: `model-t${t}`,
          version: 1,
          endpoint: 'solubility',
          team: `team-${t}`,
          origin: 'imported',
          build_hash: null,
          artifact_blob: 'b'.repeat(64),
          report_blob: null,
          feature_hash: 'f'.repeat(64),
          feature_contract: '{}',
          lineage: '{}',
          created_at: at,
          created_by: 'bench',
        })
        .execute();
    }
    // The prototype's inbox (bench database only). n orders it; seq is given at sealing.
    await sql`create table event_inbox (n bigserial primary key, team text, id text not null, at text not null, actor text not null, kind text not null,
      subject text not null, model text, version_id text, reason text not null, payload text not null)`.execute(setup.db);
    // One store (own pool) per writer, opened once: K clients.
    for (let t = 1; t <= maxK; t++) stores.push(await openStore({ workspace, databaseUrl }));
    const writerStores = stores.slice(1);
    // Warm every pool and the tables.
    const stop = { now: false };
    const sealing = VARIANTS.includes('inbox') ? sealer(setup, stop) : Promise.resolve(0);
    for (const variant of VARIANTS) await Promise.all(writerStores.map((s, i) => writer(s, i + 1, variant, performance.now() + 300)));

    console.log(
      '| K teams | variant | tx | tx/s | latency p50 ms | latency p99 ms | lock wait p50 ms | lock wait p99 ms | lock hold p50 ms | lock hold mean ms | lock utilisation | seal lag p50 / p99 ms |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (let r = 0; r < REPEAT; r++)
      for (const k of WRITERS)
        for (const variant of VARIANTS) {
          inboxCommitted.clear();
          inboxSealed.clear();
          const started = performance.now();
          const deadline = started + SECONDS * 1000;
          const perWriter = await Promise.all(writerStores.slice(0, k).map((s, i) => writer(s, i + 1, variant, deadline)));
          const wall = (performance.now() - started) / 1000;
          const all = perWriter.flat();
          const lat = all.map((s) => s.latencyMs);
          const waits = all.flatMap((s) => (s.waitMs === null ? [] : [s.waitMs]));
          const holds = all.flatMap((s) => (s.holdMs === null ? [] : [s.holdMs]));
          const f = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
          const holdSum = holds.reduce((a, b) => a + b, 0);
          // Let the sealer catch up with this cell's last writes before reading its lags.
          if (variant === 'inbox') while ([...inboxCommitted.keys()].some((id) => !inboxSealed.has(id))) await new Promise((r) => setTimeout(r, 5));
          // A write whose commit returned after the sealer had already sealed it counts as lag 0.
          const sealLags = [...inboxCommitted].map(([id, t]) => Math.max(0, inboxSealed.get(id)! - t));
          console.log(
            `| ${k} | ${variant} | ${all.length} | ${(all.length / wall).toFixed(0)} | ${f(quantile(lat, 0.5))} | ${f(quantile(lat, 0.99))} | ${f(quantile(waits, 0.5))} | ${f(quantile(waits, 0.99))} | ${f(quantile(holds, 0.5))} | ${f(holds.length ? holdSum / holds.length : Number.NaN)} | ${holds.length ? (holdSum / 1000 / wall).toFixed(2) : '–'} | ${variant === 'inbox' ? `${f(quantile(sealLags, 0.5))} / ${f(quantile(sealLags, 0.99))}` : '–'} |`,
          );
        }
    stop.now = true;
    const sealedTotal = await sealing;
    if (VARIANTS.includes('inbox')) console.log(`\nthe prototype sealer moved ${sealedTotal} inbox events into the chain`);
    const v = await verifyEventLog(setup.db, { key: setup.eventKey });
    console.log(
      `\nevent log after the run: ${v.events} events, ${v.ok ? 'chain intact, every event signed' : `${v.problems.length} problems: ${v.problems[0]?.message}`}`,
    );
    console.log(
      `load average at the end: ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await Promise.all(stores.map((s) => s.close()));
    // Not WITH (FORCE): a pool that is still closing would get its connection killed and throw.
    await admin(async (c) => {
      for (let i = 0; ; i++) {
        try {
          await c.query(`drop database if exists ${name}`);
          return;
        } catch (e) {
          if (i >= 20) throw e;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    });
    rmSync(workspace, { recursive: true, force: true });
  }
}

await main();
