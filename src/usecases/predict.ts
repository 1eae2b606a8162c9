import { exportPredictions as exportRecords } from '../serve/export.js';
import { predictFile, type PredictOptions, type PredictSummary } from '../serve/predict.js';
import { inContext, type Context } from './context.js';

/** Predicts a structure file with lineage; ctx.actor is recorded as the requester of every prediction. */
export function predict(ctx: Context, o: Omit<PredictOptions, 'actor'>): Promise<PredictSummary> {
  return inContext(ctx, () => predictFile(ctx.store, { ...o, actor: ctx.actor }));
}

/** Writes stored prediction records to CSV or JSONL. */
export function exportPredictions(ctx: Context, o: { out: string; model?: string; request?: string }): Promise<number> {
  return inContext(ctx, () => exportRecords(ctx.store, o));
}
