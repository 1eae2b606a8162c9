import { latestMonitorRun, monitorModel, type WindowKind } from '../monitor/monitor.js';
import { inContext, type Context } from './context.js';

/** Computes and stores the model's per-window evidence as of a time (default: now). */
export function monitor(ctx: Context, o: { model: string; window: WindowKind; asOf?: string }) {
  return inContext(ctx, () => monitorModel(ctx.store, { ...o, actor: ctx.actor }));
}

export function latestMonitoring(ctx: Context, model: string) {
  return inContext(ctx, () => latestMonitorRun(ctx.store, model));
}
