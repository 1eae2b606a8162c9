import type { TSchema } from '@sinclair/typebox';
import type { Permission } from '../identity/roles.js';
import type { ApiRequest } from './request-scope.js';

/**
 * One API route, declared once: Fastify registers it with these schemas (they validate the
 * request), the OpenAPI document is generated from them, and the authorization tests walk
 * the same list. Access is deny by default: a route says which permission it needs and
 * whether that permission is checked in the acting team ('team') or anywhere ('shared':
 * the organisation's standards).
 */
export type Access =
  | { kind: 'public' }
  | { kind: 'authenticated' }
  | { kind: 'team'; permission: Permission }
  | { kind: 'shared'; permission: Permission }
  /** Granted for the whole organisation (team `*`): administration. */
  | { kind: 'organisation'; permission: Permission };

export interface RouteSchemas {
  params?: TSchema;
  querystring?: TSchema;
  body?: TSchema;
}

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Fastify path, e.g. /api/v1/models/:model */
  url: string;
  summary: string;
  tag: string;
  access: Access;
  schema: RouteSchemas;
  /** Content type of a successful answer (default application/json). */
  produces?: string;
  handler: (req: ApiRequest) => Promise<unknown>;
}

export function route(spec: RouteSpec): RouteSpec {
  return spec;
}

export const PUBLIC: Access = { kind: 'public' };
export const AUTHENTICATED: Access = { kind: 'authenticated' };
export const team = (permission: Permission): Access => ({ kind: 'team', permission });
export const shared = (permission: Permission): Access => ({ kind: 'shared', permission });
export const organisation = (permission: Permission): Access => ({ kind: 'organisation', permission });
