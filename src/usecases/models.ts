import { RotguardError } from '../core/errors.js';
import { build, type BuildProgress, type BuildResult } from '../training/build.js';
import { importOnnxModel, type OnnxImport } from '../training/onnx-import.js';
import type { Recipe } from '../training/recipe.js';
import { retrainGovernance } from '../policy/decisions.js';
import {
  currentGate,
  listModels as listVersions,
  modelEvents,
  promote as promoteVersion,
  resolveModel,
  type Alias,
  type PromotionResult,
} from '../registry/registry.js';
import type { Store } from '../store/store.js';
import { evaluateGate } from '../validate/gate.js';
import { readValidationReport as readReportBlob } from '../validate/decoders.js';
import type { ValidationReport } from '../validate/report.js';
import { inContext, type Context } from './context.js';

/** Builds, the registry and promotion. */

/**
 * Builds a model version from a recipe, governed: a new version of a model that already
 * has a champion is a retrain, and needs the latest policy decision to be a retrain or an
 * override reason. The rule is checked before training (no compute is spent on a build
 * that would be refused) and again inside the transaction that registers the version,
 * under the model's lock, where the basis is logged. An identical build is served from
 * the cache and needs no basis: nothing new is registered.
 */
export function buildModel(ctx: Context, recipe: Recipe, o: { overrideReason?: string; onProgress?: (p: BuildProgress) => void } = {}): Promise<BuildResult> {
  return inContext(ctx, () => build(ctx.store, recipe, ctx.actor, retrainGovernance(ctx.store, recipe.model, o.overrideReason, ctx.actor), o.onProgress));
}

/** Registers a model trained elsewhere (ONNX) with the lineage its importer declares. */
export function importModel(ctx: Context, o: Omit<OnnxImport, 'actor'>) {
  return inContext(ctx, () => importOnnxModel(ctx.store, { ...o, actor: ctx.actor }));
}

export function listModels(ctx: Context) {
  return inContext(ctx, () => listVersions(ctx.store));
}

export function readValidationReport(store: Store, blob: string): Promise<ValidationReport> {
  return readReportBlob(store.blobs, blob);
}

/** A version with its validation report checked against the endpoint's current gate. */
export function validateModel(ctx: Context, ref: string) {
  return inContext(ctx, async () => {
    const version = await resolveModel(ctx.store.db, ref);
    if (!version.reportBlob) throw new RotguardError('no_validation', `${version.id} has no validation report (imported without one)`);
    const report = await readValidationReport(ctx.store, version.reportBlob);
    const gate = await currentGate(ctx.store.db, version.endpoint);
    return { version, report, gate: gate ? { hash: gate.hash, thresholds: gate.gate, ...evaluateGate(report, gate.gate) } : null };
  });
}

/** A version, its validation report and gate result (if any) and its model's event history. */
export function showModel(ctx: Context, ref: string) {
  return inContext(ctx, async () => {
    const version = await resolveModel(ctx.store.db, ref);
    const report = version.reportBlob ? await readValidationReport(ctx.store, version.reportBlob) : null;
    const gate = await currentGate(ctx.store.db, version.endpoint);
    const events = await modelEvents(ctx.store, version.model);
    return {
      version,
      report,
      gate: gate ? { hash: gate.hash, thresholds: gate.gate, ...(report ? evaluateGate(report, gate.gate) : { passed: false, checks: [] }) } : null,
      events,
    };
  });
}

/**
 * Points an alias at a version, ctx.actor approving. Champion needs the release gate
 * passed, the model not frozen, and an approver who is not the builder; all checked in
 * the transaction that writes the alias. Refusals are logged.
 */
export function promote(ctx: Context, o: { ref: string; alias: Alias; reason: string }): Promise<PromotionResult> {
  return inContext(ctx, () => promoteVersion(ctx.store, { ...o, actor: ctx.actor, readReport: (b) => readValidationReport(ctx.store, b) }));
}
