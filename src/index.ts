/**
 * rotguard as a library: the same use cases the CLI (and a server) call, each given a
 * Context (store, acting identity, team, clock). Open a store, create a context, call.
 *
 *   import { openStore, createContext, ingest, buildModel, promote, predict } from 'rotguard';
 *
 * Everything exported here is the public API; deep imports into dist/ are not.
 */
export { openStore, type Store, type OpenStoreOptions, type Backend } from './store/store.js';
export { createContext, withActor, atTime, localActor, type Context } from './usecases/context.js';
export { WALL_CLOCK, fixedClock, type Clock } from './core/clock.js';
export { RotguardError, type ErrorCode, type ErrorLocation } from './core/errors.js';
export { ERROR_CATEGORIES, exitCodeOf, httpStatusOf, categoryOf, isErrorCode, type ErrorCategory } from './core/error-codes.js';

export { addEndpoint, listEndpoints, addProtocol, listProtocols, setGate, showGate } from './usecases/standards.js';
export { ingest, createDataset, showDataset, diffDatasets, listDatasets, computeFeatures } from './usecases/data.js';
export { buildModel, importModel, listModels, showModel, validateModel, promote } from './usecases/models.js';
export { predict, exportPredictions } from './usecases/predict.js';
export { monitor, latestMonitoring } from './usecases/monitoring.js';
export { decide, applyPolicy, unfreeze } from './usecases/policy.js';
export { audit, writeAuditReport, trace, verifyLog, type WrittenReport } from './usecases/audit.js';
export { demoYear } from './usecases/demo.js';
export { backtest, type BacktestOptions, type BacktestResult } from './usecases/backtest.js';
export { initWorkspace, featurize } from './usecases/workspace.js';

// Inputs the use cases take, parsed and validated the way the CLI does it.
export { validateRecipe, readRecipeFile, type Recipe } from './training/recipe.js';
export { validateMapping, readMappingFile, type IngestMapping } from './data/mapping.js';
export { parsePolicy, readPolicyFile, type Policy } from './policy/policy-file.js';
export type { EndpointDefinition } from './data/endpoints.js';
export type { ProtocolDefinition } from './data/protocols.js';
export type { SnapshotDefinition } from './data/snapshots.js';

// What they return.
export type { BuildResult, BuildProgress } from './training/build.js';
export type { ModelVersion, Alias, PromotionResult } from './registry/registry.js';
export type { PredictSummary } from './serve/predict.js';
export type { IngestSummary } from './data/ingest.js';
export type { ValidationReport } from './validate/report.js';
export type { WindowEvidence } from './monitor/evidence.js';
export type { Decision } from './policy/decide.js';
export type { Applied } from './policy/decisions.js';
export type { AuditReport } from './audit/report-types.js';
export type { PredictionTrace } from './audit/trace.js';

// Issue 14 tenancy: team-scoped stores for a server, blobs in PostgreSQL, administration.
export { openTenantStores, type TenantStores, type TenantStoresOptions } from './store/tenant.js';
export { PostgresBlobStore } from './store/postgres-blob-store.js';
export { migrateDatabase, grantServerPrivileges } from './usecases/workspace.js';

// Webhooks out of the event log (issue 14): manage them, run the dispatcher, verify a delivery on the receiving side.
export { addWebhook, listWebhooks, removeWebhook, webhookDeliveries } from './usecases/webhooks.js';
export { startWebhookDispatcher, type WebhookDispatcher, type WebhookDispatcherOptions, type WebhookLog } from './notify/dispatcher.js';
export { verifyWebhookSignature, signWebhookBody } from './notify/signature.js';
export type { WebhookEventBody } from './notify/delivery.js';
export type { WebhookInfo, DeliveryInfo, AddWebhookInput } from './notify/webhooks.js';
