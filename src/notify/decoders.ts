/** The stored shapes of the notify layer (pure: core only). */
import { d, type Decoder } from '../core/decode.js';

/** `webhooks.kinds`: '*' or a JSON list of event kinds (checked against the known kinds when the webhook was added). */
export const webhookKindsDecoder: Decoder<string[] | '*'> = d.oneOf('"*" or a list of event kinds', d.literal('*'), d.array(d.string));
