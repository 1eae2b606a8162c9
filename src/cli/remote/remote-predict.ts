import { assertStructureSize } from '../../chem/structure-limits.js';
import { csvField, openCsvOutputs } from '../../core/atomic-file.js';
import { RotguardError } from '../../core/errors.js';
import { openMoleculeFile, type MoleculeRow } from '../../data/molecule-file.js';
import type { PredictSummary } from '../../serve/predict.js';
import type { Backend } from '../backend.js';
import { predictAnswer, type ApiPrediction } from './decoders.js';
import type { ApiClient } from './http-client.js';

/** Compounds per request: large enough that a file is a few requests, far below the server's limit of 10,000. */
export const PREDICT_BATCH = 2000;

/** The server's limit on an id's length (its request schema). */
const MAX_ID_CHARS = 200;

/** Same columns as a local predict (serve/predict.ts), so scripts read either. */
const HEADER =
  'prediction_id,line,id,smiles,inchikey,value,uncertainty,interval_level,lower,upper,max_similarity,nearest_training_compound,scaffold_seen,in_domain,model_frozen\n';

/**
 * `rotguard predict` against a server: the input file is read here (same reader, same
 * column detection as local mode), sent in batches of compounds, and the answers written
 * to the same CSV columns, in input order, with the same rejects file. Each batch is one
 * prediction request on the server (its own request id, recorded as the authenticated
 * identity). Outputs are written atomically: a failed run leaves none; batches the server
 * already answered stay recorded there, each with its own event.
 */
export async function predictRemote(
  client: ApiClient,
  o: Parameters<Backend['predict']>[0],
  ref: { model: string; ref: string },
  batchSize = PREDICT_BATCH,
): Promise<PredictSummary & { requests: string[] }> {
  const started = performance.now();
  const file = await openMoleculeFile(o.input, { smilesColumn: o.smilesColumn, idColumn: o.idColumn });
  const rejectsPath = o.rejects ?? o.out.replace(/(\.[^./\\]+)?$/, '.rejects.csv');
  const { out, rej } = openCsvOutputs(o.out, rejectsPath, o.input);
  out.write(HEADER);
  rej.write('line,id,input,code,reason\n');
  const summary = { rows: 0, predicted: 0, rejected: 0, outOfDomain: 0, unseenScaffolds: 0 };
  const reasons: Record<string, number> = {};
  const requests: string[] = [];
  const served = { model: `${ref.model}@${ref.ref}`, featureHash: '', frozen: false };
  const reject = (row: { line: number; id: string; structure: string }, code: string, reason: string) => {
    summary.rejected++;
    reasons[code] = (reasons[code] ?? 0) + 1;
    rej.write([row.line, row.id, row.structure, code, reason].map(csvField).join(',') + '\n');
  };

  const send = async (batch: MoleculeRow[]) => {
    if (!batch.length) return;
    const answer = await client.post(
      `/api/v1/models/${encodeURIComponent(ref.model)}/predictions`,
      { ref: ref.ref, level: o.level, compounds: batch.map((r) => ({ id: r.id, smiles: r.structure })) },
      predictAnswer,
    );
    requests.push(answer.request);
    served.model = answer.model;
    served.featureHash = answer.featureHash;
    served.frozen ||= answer.modelFrozen;
    const byIndex = placeAnswers(batch, answer.predictions, answer.rejects);
    for (const [i, row] of batch.entries()) {
      const p = byIndex.predictions.get(i);
      if (p) {
        summary.predicted++;
        if (p.domain.inDomain === false) summary.outOfDomain++;
        if (p.domain.scaffoldSeen === false) summary.unseenScaffolds++;
        out.write(predictionLine(p, row.line) + '\n');
        continue;
      }
      const r = byIndex.rejects.get(i);
      reject(row, r?.code ?? 'rejected', r?.reason ?? 'the server did not predict this compound');
    }
  };

  try {
    let batch: MoleculeRow[] = [];
    let ids = new Set<string>();
    for await (const row of file.rows((bytes) => o.onProgress?.({ rows: summary.rows, fraction: bytes / Math.max(1, file.bytes) }))) {
      summary.rows++;
      if (row.kind === 'unreadable') {
        reject(row, row.code, row.reason);
        continue;
      }
      // Refused here with the same code and message as locally, rather than failing the whole batch on the server.
      const refused = tooLarge(row);
      if (refused) {
        reject(row, refused.code, refused.reason);
        continue;
      }
      // A batch holds each id once, so an answer can be placed by its id even on a server that does not send its place.
      if (batch.length >= batchSize || ids.has(row.id)) {
        await send(batch);
        batch = [];
        ids = new Set();
      }
      batch.push(row);
      ids.add(row.id);
    }
    await send(batch);
    out.commit();
    rej.commit();
  } catch (e) {
    out.abort();
    rej.abort();
    throw e;
  }
  return {
    request: requests[0] ?? '',
    requests,
    modelFrozen: served.frozen,
    model: served.model,
    featureHash: served.featureHash,
    ...summary,
    rejectReasons: reasons,
    output: o.out,
    rejects: rejectsPath,
    seconds: (performance.now() - started) / 1000,
  };
}

function tooLarge(row: MoleculeRow): { code: string; reason: string } | null {
  try {
    assertStructureSize(row.structure);
  } catch (e) {
    if (e instanceof RotguardError) return { code: e.code, reason: e.message };
    throw e;
  }
  if (row.id.length > MAX_ID_CHARS) return { code: 'id_too_long', reason: `the id has ${row.id.length} characters; a server takes at most ${MAX_ID_CHARS}` };
  return null;
}

/** Each answer's compound in the batch: by the place the server names, else by id (unique within a batch). */
function placeAnswers(
  batch: MoleculeRow[],
  predictions: ApiPrediction[],
  rejects: { index: number | null; id: string; code: string; reason: string }[] | undefined,
) {
  const indexById = new Map(batch.map((r, i) => [r.id, i]));
  const place = (index: number | null | undefined, id: string) => (typeof index === 'number' ? index : indexById.get(id));
  const byPrediction = new Map<number, ApiPrediction>();
  for (const p of predictions) {
    const i = place(p.index, p.inputId);
    if (i === undefined || i < 0 || i >= batch.length || byPrediction.has(i)) {
      throw new RotguardError('bad_server_response', `the server answered a prediction (${p.id}) for a compound that was not in the request`);
    }
    byPrediction.set(i, p);
  }
  const byReject = new Map((rejects ?? []).map((r) => [place(r.index, r.id), r]));
  return { predictions: byPrediction, rejects: byReject };
}

function predictionLine(p: ApiPrediction, line: number): string {
  const inDomain = p.domain.inDomain;
  return [
    p.id,
    line,
    p.inputId,
    p.smiles,
    p.inchikey,
    p.value,
    p.uncertainty ?? '',
    p.interval?.level ?? '',
    p.interval?.lower ?? '',
    p.interval?.upper ?? '',
    p.domain.maxSimilarity ?? '',
    p.domain.nearestTrainingCompound ?? '',
    p.domain.scaffoldSeen === null ? '' : p.domain.scaffoldSeen ? 1 : 0,
    inDomain === null ? '' : inDomain ? 1 : 0,
    p.modelFrozen ? 1 : 0,
  ]
    .map((v) => csvField(v))
    .join(',');
}
