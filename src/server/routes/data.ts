import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { DEFAULT_DESCRIPTOR_DICTIONARY } from '../../chem/descriptors.js';
import { DEFAULT_MORGAN } from '../../chem/fingerprint.js';
import { RotguardError } from '../../core/errors.js';
import { validateMapping } from '../../data/mapping.js';
import type { SnapshotDefinition, SnapshotInfo } from '../../data/snapshots.js';
import { computeFeatures, createDataset, ingest, listDatasets, showDataset } from '../../usecases/data.js';
import { assertActingTeam, requireActingTeam, type ApiRequest } from '../request-scope.js';
import type { ChemPoolHolder } from '../chem-pool-holder.js';
import { route, team, type RouteSpec } from '../route.js';
import { str } from './common.js';

/**
 * Team-owned data: assay sources and their measurements, dataset snapshots, the feature
 * cache. A snapshot is visible when every team it selected from is visible: it holds
 * their labels. Snapshots made through the server always name their teams.
 */
export function dataRoutes(chem: ChemPoolHolder): RouteSpec[] {
  return [
    route({
      method: 'POST',
      url: '/api/v1/ingest',
      summary: 'Ingests an assay file (CSV, TSV, SDF text) under a column mapping; rejected rows go to the quarantine report',
      tag: 'data',
      access: team('ingest'),
      schema: {
        body: Type.Object(
          {
            mapping: Type.Record(Type.String(), Type.Unknown()),
            file: Type.Object({ name: Type.String({ minLength: 1, maxLength: 255 }), content: Type.String() }, { additionalProperties: false }),
          },
          { additionalProperties: false },
        ),
      },
      handler: async (req) => {
        const b = req.body as { mapping: Record<string, unknown>; file: { name: string; content: string } };
        const mapping = validateMapping(b.mapping, 'mapping');
        assertActingTeam(req, mapping.team, 'mapping.team');
        // The upload keeps its name (the source records it) in a private temporary folder.
        const dir = await mkdtemp(join(tmpdir(), 'rotguard-upload-'));
        try {
          const path = join(dir, basename(b.file.name));
          await writeFile(path, b.file.content, { mode: 0o600 });
          return await ingest(req.ctx, { path, mapping, pool: await chem.get() });
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    }),
    route({
      method: 'GET',
      url: '/api/v1/sources',
      summary: 'Ingested sources of the visible teams',
      tag: 'data',
      access: team('read'),
      schema: {},
      handler: async (req) =>
        req.ctx.store.db
          .selectFrom('sources')
          .select(['id', 'path', 'format', 'file_sha256', 'team', 'ingested_by', 'ingested_at', 'rows', 'accepted', 'rejected', 'quarantine_blob'])
          .where('team', 'in', req.visibleTeams)
          .orderBy('ingested_at', 'desc')
          .execute(),
    }),
    route({
      method: 'POST',
      url: '/api/v1/datasets',
      summary: "Creates a dataset snapshot (content-addressed) from the visible teams' measurements",
      tag: 'data',
      access: team('curate'),
      schema: {
        body: Type.Object(
          {
            endpoint: Type.String({ minLength: 1 }),
            protocolVersions: Type.Optional(Type.Array(Type.String())),
            sites: Type.Optional(Type.Array(Type.String())),
            teams: Type.Optional(Type.Array(Type.String())),
            measuredFrom: Type.Optional(Type.String()),
            measuredTo: Type.Optional(Type.String()),
            reportedBy: Type.Optional(Type.String()),
            aggregation: Type.Optional(
              Type.Object({
                method: Type.Union([Type.Literal('mean'), Type.Literal('median')]),
                censored: Type.Union([Type.Literal('drop'), Type.Literal('as_bound'), Type.Literal('prefer_exact')]),
              }),
            ),
          },
          { additionalProperties: false },
        ),
      },
      handler: async (req) => {
        requireActingTeam(req);
        const b = req.body as Omit<SnapshotDefinition, 'aggregation'> & { aggregation?: SnapshotDefinition['aggregation'] };
        // An empty list means the visible teams too: the store reads "no team filter" as every team.
        const teams = b.teams?.length ? b.teams : req.visibleTeams;
        const hidden = teams.filter((t) => !req.visibleTeams.includes(t));
        if (hidden.length) throw new RotguardError('forbidden', `cannot select measurements of team ${hidden.join(', ')}: no read grant`, { field: 'teams' });
        return createDataset(req.ctx, { ...b, teams, aggregation: b.aggregation ?? { method: 'mean', censored: 'prefer_exact' } });
      },
    }),
    route({
      method: 'GET',
      url: '/api/v1/datasets',
      summary: 'Dataset snapshots over visible teams',
      tag: 'data',
      access: team('read'),
      schema: { querystring: Type.Object({ endpoint: Type.Optional(Type.String()) }) },
      handler: async (req) => (await listDatasets(req.ctx, str(req.query.endpoint))).filter((s) => snapshotVisible(req, s)),
    }),
    route({
      method: 'GET',
      url: '/api/v1/datasets/:hash',
      summary: 'One snapshot with its rows',
      tag: 'data',
      access: team('read'),
      schema: { params: Type.Object({ hash: Type.String({ minLength: 6, maxLength: 64 }) }) },
      handler: async (req) => showDataset(req.ctx, (await visibleSnapshot(req, req.params.hash!, 'hash')).hash),
    }),
    route({
      method: 'POST',
      url: '/api/v1/features',
      summary: "Computes a snapshot's missing features into the shared cache",
      tag: 'data',
      access: team('curate'),
      schema: {
        body: Type.Object(
          {
            snapshot: Type.String({ minLength: 6 }),
            name: Type.Optional(Type.String({ minLength: 1 })),
            descriptors: Type.Optional(Type.String()),
            radius: Type.Optional(Type.Integer({ minimum: 0, maximum: 6 })),
            nBits: Type.Optional(Type.Integer({ minimum: 32, maximum: 65536, multipleOf: 32 })),
          },
          { additionalProperties: false },
        ),
      },
      handler: async (req) => {
        const b = req.body as { snapshot: string; name?: string; descriptors?: string; radius?: number; nBits?: number };
        const s = await visibleSnapshot(req, b.snapshot, 'snapshot');
        return computeFeatures(req.ctx, {
          snapshot: s.hash,
          name: b.name ?? 'default',
          recipe: {
            descriptors: b.descriptors ?? DEFAULT_DESCRIPTOR_DICTIONARY,
            morgan: { radius: b.radius ?? DEFAULT_MORGAN.radius, nBits: b.nBits ?? DEFAULT_MORGAN.nBits },
          },
        });
      },
    }),
  ];
}

export function snapshotVisible(req: ApiRequest, s: Pick<SnapshotInfo, 'definition'>): boolean {
  const teams = s.definition.teams;
  return Boolean(teams?.length) && teams!.every((t) => req.visibleTeams.includes(t));
}

/**
 * A snapshot by full hash or unique prefix, among those the request may see: a hidden
 * snapshot answers exactly like a missing one, and never makes a prefix ambiguous (either
 * would tell a caller that another team's snapshot exists).
 */
export async function visibleSnapshot(req: ApiRequest, ref: string, field: string): Promise<SnapshotInfo> {
  if (!/^[0-9a-f]{8,64}$/.test(ref)) throw new RotguardError('bad_snapshot_ref', `"${ref}" is not a snapshot hash (8–64 hex digits)`, { field });
  const matches = (await listDatasets(req.ctx)).filter((s) => s.hash.startsWith(ref) && snapshotVisible(req, s));
  if (!matches.length) throw new RotguardError('unknown_snapshot', `no dataset snapshot ${ref}; see GET /api/v1/datasets`, { field });
  if (matches.length > 1) throw new RotguardError('ambiguous_snapshot', `${ref} matches several snapshots; give more digits`, { field });
  return matches[0]!;
}
