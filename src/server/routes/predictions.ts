import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { csvField } from '../../core/atomic-file.js';
import type { Row } from '../../store/schema.js';
import { RotguardError } from '../../core/errors.js';
import { readDelimited } from '../../data/delimited.js';
import { inDomainOf } from '../../serve/predict.js';
import { trace } from '../../usecases/audit.js';
import { predict } from '../../usecases/predict.js';
import type { ChemPoolHolder } from '../chem-pool-holder.js';
import { assertVisible, type ApiRequest } from '../request-scope.js';
import { route, team, type RouteSpec } from '../route.js';
import { ModelParam, modelWriteContext, str, versionRef } from './common.js';

const MAX_COMPOUNDS = 10_000;

/** Predictions with lineage: served, looked up and traced within the visible teams. */
export function predictionRoutes(chem: ChemPoolHolder): RouteSpec[] {
  return [
    route({
      method: 'POST',
      url: '/api/v1/models/:model/predictions',
      summary: 'Predicts structures with a version of the model (default champion); every prediction is recorded with its lineage',
      tag: 'predictions',
      access: team('predict'),
      schema: {
        params: ModelParam,
        body: Type.Object(
          {
            ref: Type.Optional(Type.String({ minLength: 1 })),
            level: Type.Optional(Type.Union([Type.Literal(0.8), Type.Literal(0.9), Type.Literal(0.95)])),
            compounds: Type.Array(
              Type.Object({ id: Type.String({ maxLength: 200 }), smiles: Type.String({ minLength: 1, maxLength: 20000 }) }, { additionalProperties: false }),
              {
                minItems: 1,
                maxItems: MAX_COMPOUNDS,
              },
            ),
          },
          { additionalProperties: false },
        ),
      },
      handler: async (req) => {
        const model = req.params.model!;
        // Predicting with another team's model needs the predict role in that team, not just a read grant.
        const ctx = await modelWriteContext(req, model, 'predict');
        const b = req.body as { ref?: string; level?: number; compounds: { id: string; smiles: string }[] };
        const dir = await mkdtemp(join(tmpdir(), 'rotguard-predict-'));
        try {
          const input = join(dir, 'request.csv');
          await writeFile(input, `id,smiles\n${b.compounds.map((c) => `${csvField(c.id)},${csvField(c.smiles)}`).join('\n')}\n`, { mode: 0o600 });
          const summary = await predict(ctx, {
            modelRef: versionRef(model, b.ref),
            input,
            out: join(dir, 'predictions.csv'),
            level: b.level,
            idColumn: 'id',
            smilesColumn: 'smiles',
            pool: await chem.get(),
          });
          const rows = await ctx.store.db.selectFrom('predictions').selectAll().where('request', '=', summary.request).orderBy('id').execute();
          // Each answer names its compound's place in the request (ids may repeat), as the file's line does locally.
          const { indexOf, rejects } = await placesInRequest(dir);
          rows.sort((x, y) => (indexOf.get(x.id) ?? 0) - (indexOf.get(y.id) ?? 0));
          const { output: _o, rejects: _r, ...rest } = summary;
          return { ...rest, predictions: rows.map((r) => ({ ...predictionView(r), index: indexOf.get(r.id) ?? null })), rejects };
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    }),
    route({
      method: 'GET',
      url: '/api/v1/predictions',
      summary: 'Prediction records of visible models, newest first; q matches the id given, the InChIKey or the canonical SMILES',
      tag: 'predictions',
      access: team('read'),
      schema: {
        querystring: Type.Object({
          model: Type.Optional(Type.String()),
          q: Type.Optional(Type.String()),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
        }),
      },
      handler: async (req) => {
        let q = req.ctx.store.db
          .selectFrom('predictions')
          .innerJoin('model_versions', 'model_versions.id', 'predictions.model_version')
          .selectAll('predictions')
          .select(['model_versions.model', 'model_versions.team'])
          .where('model_versions.team', 'in', req.visibleTeams);
        const model = str(req.query.model);
        if (model) q = q.where('model_versions.model', '=', model);
        const text = str(req.query.q);
        if (text)
          q = q.where((eb) => eb.or([eb('predictions.input_id', '=', text), eb('predictions.inchikey', '=', text), eb('predictions.smiles', '=', text)]));
        const rows = await q
          .orderBy('predictions.requested_at', 'desc')
          .orderBy('predictions.id')
          .limit(Number(req.query.limit ?? 200))
          .execute();
        return rows.map((r) => ({ ...predictionView(r), model: r.model, team: r.team }));
      },
    }),
    route({
      method: 'GET',
      url: '/api/v1/predictions/:id',
      summary: 'One prediction record',
      tag: 'predictions',
      access: team('read'),
      schema: { params: Type.Object({ id: Type.String({ minLength: 1 }) }) },
      handler: async (req) => {
        const row = await visiblePrediction(req, req.params.id!);
        return { ...predictionView(row), model: row.model, team: row.team };
      },
    }),
    route({
      method: 'GET',
      url: '/api/v1/predictions/:id/trace',
      summary: 'Walks a prediction back to its model, build, snapshot, measurements, protocols and source files',
      tag: 'predictions',
      access: team('read'),
      schema: { params: Type.Object({ id: Type.String({ minLength: 1 }) }) },
      handler: async (req) => {
        await visiblePrediction(req, req.params.id!);
        return trace(req.ctx, req.params.id!);
      },
    }),
  ];
}

/**
 * Where each answer belongs in the request: predict's output and rejects files name the
 * physical line of the request's CSV where each compound starts (an id may hold a quoted
 * line break), mapped back to the compound's position by reading that CSV again.
 */
async function placesInRequest(dir: string) {
  const positionOfLine = new Map<number, number>();
  let position = -1;
  for await (const r of readDelimited(createReadStream(join(dir, 'request.csv'), 'utf8'))) {
    if (position >= 0) positionOfLine.set(r.line, position);
    position++;
  }
  const at = (line: string | undefined) => positionOfLine.get(Number(line)) ?? null;
  const indexOf = new Map<string, number | null>();
  const rejects: { index: number | null; id: string; code: string; reason: string }[] = [];
  for await (const r of readDelimited(createReadStream(join(dir, 'predictions.csv'), 'utf8'))) {
    if (r.line > 1) indexOf.set(r.fields[0]!, at(r.fields[1]));
  }
  for await (const r of readDelimited(createReadStream(join(dir, 'predictions.rejects.csv'), 'utf8'))) {
    if (r.line > 1) rejects.push({ index: at(r.fields[0]), id: r.fields[1]!, code: r.fields[3]!, reason: r.fields[4]! });
  }
  return { indexOf, rejects };
}

async function visiblePrediction(req: ApiRequest, id: string) {
  const row = await req.ctx.store.db
    .selectFrom('predictions')
    .innerJoin('model_versions', 'model_versions.id', 'predictions.model_version')
    .selectAll('predictions')
    .select(['model_versions.model', 'model_versions.team'])
    .where('predictions.id', '=', id)
    .executeTakeFirst();
  const missing = () => new RotguardError('unknown_prediction', `no prediction ${id}`);
  if (!row) throw missing();
  assertVisible(req, row.team, missing);
  return row;
}

/** A stored prediction as the API shows it (camelCase, flags as booleans). */
export function predictionView(r: Omit<Row<'predictions'>, 'batch' | 'team'>) {
  return {
    id: r.id,
    request: r.request,
    modelVersion: r.model_version,
    featureVersion: r.feature_hash,
    inputHash: r.input_hash,
    inputId: r.input_id,
    inchikey: r.inchikey,
    smiles: r.smiles,
    value: r.value,
    uncertainty: r.uncertainty,
    interval: r.interval_level === null ? null : { level: r.interval_level, lower: r.lower, upper: r.upper },
    domain: {
      maxSimilarity: r.max_similarity,
      nearestTrainingCompound: r.nearest_inchikey,
      scaffold: r.scaffold,
      scaffoldSeen: r.scaffold_seen === null ? null : r.scaffold_seen === 1,
      inDomain: inDomainOf(r.max_similarity),
    },
    modelFrozen: r.model_frozen === 1,
    requestedBy: r.requested_by,
    requestedAt: r.requested_at,
  };
}
