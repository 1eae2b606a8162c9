import {
  addWebhook as addWebhookRow,
  listWebhooks as listWebhookRows,
  removeWebhook as removeWebhookRow,
  webhookDeliveries as webhookDeliveryRows,
  type AddWebhookInput,
} from '../notify/webhooks.js';
import { inContext, type Context } from './context.js';

/**
 * Webhooks out of the event log (src/notify): add (the secret is returned once, when
 * generated), list, remove, and one webhook's deliveries. Who may do this (an admin; an
 * organisation-wide webhook is the admin's alone) is the front end's check: the HTTP API
 * serves these under /api/v1/admin/webhooks, the local CLI acts as the workspace's owner.
 */
export function addWebhook(ctx: Context, input: AddWebhookInput) {
  return inContext(ctx, () => addWebhookRow(ctx.store, input, ctx.actor));
}

export function listWebhooks(ctx: Context, o: { team?: string | null } = {}) {
  return inContext(ctx, () => listWebhookRows(ctx.store, o));
}

export function removeWebhook(ctx: Context, id: string) {
  return inContext(ctx, () => removeWebhookRow(ctx.store, id, ctx.actor));
}

export function webhookDeliveries(ctx: Context, id: string, o: { limit?: number } = {}) {
  return inContext(ctx, () => webhookDeliveryRows(ctx.store, id, o));
}
