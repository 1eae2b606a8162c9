import { Type } from '@sinclair/typebox';
import { RotguardError } from '../../core/errors.js';
import type { ApiRequest } from '../request-scope.js';
import { assertCanWrite, assertVisible } from '../request-scope.js';
import type { Permission } from '../../identity/roles.js';
import type { Context } from '../../usecases/context.js';

/** Schema pieces and lookups the route files share. */

export const ModelParam = Type.Object({ model: Type.String({ minLength: 1, maxLength: 128 }) });
export const Name = Type.String({ minLength: 1, maxLength: 200 });

export function unknownModel(model: string) {
  return () => new RotguardError('unknown_model', `no model named ${model}; see GET /api/v1/models`);
}

/** The team that owns a model, after checking the request may see it (404 otherwise, as for a model that does not exist). */
export async function visibleModelTeam(req: ApiRequest, model: string): Promise<{ team: string; endpoint: string }> {
  const row = await req.ctx.store.db.selectFrom('model_versions').select(['team', 'endpoint']).where('model', '=', model).executeTakeFirst();
  if (!row) throw unknownModel(model)();
  assertVisible(req, row.team, unknownModel(model));
  return row;
}

/**
 * The context a write to a model acts with: the model must be visible (else 404) and the
 * identity needs `permission` in the model's team (else 403); the write acts for that team.
 */
export async function modelWriteContext(req: ApiRequest, model: string, permission: Permission): Promise<Context> {
  const { team: owner } = await visibleModelTeam(req, model);
  return assertCanWrite(req, owner, permission, unknownModel(model));
}

/** The model's part of a reference ("hlm@3" → "hlm"), refusing references to another model than the route's. */
export function versionRef(model: string, ref: string | undefined): string {
  if (ref === undefined || ref === '') return `${model}@champion`;
  if (ref.includes('@')) {
    if (ref.split('@')[0] !== model) throw new RotguardError('bad_model_ref', `${ref} is not a version of ${model}`, { field: 'version' });
    return ref;
  }
  return `${model}@${ref}`;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
