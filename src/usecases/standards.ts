import { addEndpoint as addEndpointRow, listEndpoints as listEndpointRows, type EndpointDefinition } from '../data/endpoints.js';
import { addProtocolVersion, listProtocolVersions, type ProtocolDefinition } from '../data/protocols.js';
import { currentGate, setGate as setGateRow } from '../registry/registry.js';
import { inContext, type Context } from './context.js';

/**
 * Shared standards: endpoint definitions (label standards), assay protocol versions and
 * each endpoint's release gate. Immutable or append-only; every change is an event.
 */
export function addEndpoint(ctx: Context, def: EndpointDefinition) {
  return inContext(ctx, () => addEndpointRow(ctx.store, def, ctx.actor));
}

export function listEndpoints(ctx: Context) {
  return inContext(ctx, () => listEndpointRows(ctx.store));
}

export function addProtocol(ctx: Context, def: ProtocolDefinition) {
  return inContext(ctx, () => addProtocolVersion(ctx.store, def, ctx.actor));
}

export function listProtocols(ctx: Context, endpoint?: string) {
  return inContext(ctx, () => listProtocolVersions(ctx.store, endpoint));
}

/** Sets an endpoint's release gate (thresholds validated; the same gate again is a no-op). */
export function setGate(ctx: Context, endpoint: string, thresholds: unknown) {
  return inContext(ctx, () => setGateRow(ctx.store, endpoint, thresholds, ctx.actor));
}

export function showGate(ctx: Context, endpoint: string) {
  return inContext(ctx, () => currentGate(ctx.store.db, endpoint));
}
