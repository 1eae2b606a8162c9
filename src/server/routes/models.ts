import { Type } from '@sinclair/typebox';
import { RotguardError } from '../../core/errors.js';
import { validateRecipe, type Recipe } from '../../training/recipe.js';
import { visibleSnapshot } from './data.js';
import { frozenState } from '../../registry/registry.js';
import { buildModel, listModels, promote, showModel, validateModel } from '../../usecases/models.js';
import { modelOverview } from '../../usecases/overview.js';
import { pendingApprovals } from '../../usecases/approvals.js';
import { assertActingTeam, type ApiRequest } from '../request-scope.js';
import { route, team, type RouteSpec } from '../route.js';
import { ModelParam, modelWriteContext, versionRef, visibleModelTeam } from './common.js';

/** Builds, the registry, promotions and the approvals queue. */
export function modelRoutes(): RouteSpec[] {
  return [
    route({
      method: 'POST',
      url: '/api/v1/builds',
      summary: 'Builds a model version from a recipe (reproducible; an identical build is served from the cache)',
      tag: 'models',
      access: team('build'),
      schema: {
        body: Type.Object(
          { recipe: Type.Record(Type.String(), Type.Unknown()), overrideReason: Type.Optional(Type.String({ minLength: 1 })) },
          { additionalProperties: false },
        ),
      },
      handler: async (req) => {
        const b = req.body as { recipe: Record<string, unknown>; overrideReason?: string };
        const recipe = await scopeRecipe(req, validateRecipe(b.recipe, 'recipe'));
        await assertModelNameFree(req, recipe);
        const r = await buildModel(req.ctx, recipe, { overrideReason: b.overrideReason });
        return {
          buildHash: r.buildHash,
          cacheHit: r.cacheHit,
          savedSeconds: r.savedSeconds,
          trainSeconds: r.trainSeconds,
          version: r.version,
          snapshot: r.snapshot,
          report: r.report,
        };
      },
    }),
    route({
      method: 'GET',
      url: '/api/v1/models',
      summary: 'Every visible model: champion, status (live, watching, frozen, unreleased), latest decision, error trend, label backlog',
      tag: 'models',
      access: team('read'),
      schema: {},
      handler: async (req) => modelOverview(req.ctx, req.visibleTeams),
    }),
    route({
      method: 'GET',
      url: '/api/v1/models/:model',
      summary: 'A model: its versions and aliases, freeze state, latest version with validation and gate, and its event history',
      tag: 'models',
      access: team('read'),
      schema: { params: ModelParam },
      handler: async (req) => {
        const model = req.params.model!;
        await visibleModelTeam(req, model);
        const shown = await showModel(req.ctx, model);
        const versions = (await listModels(req.ctx)).filter((v) => v.model === model);
        return {
          model,
          team: shown.version.team,
          endpoint: shown.version.endpoint,
          versions,
          frozen: await frozenState(req.ctx.store.db, model),
          latest: shown,
        };
      },
    }),
    route({
      method: 'GET',
      url: '/api/v1/models/:model/versions/:ref',
      summary: 'One version (N, champion or challenger) with its validation report and the current gate result',
      tag: 'models',
      access: team('read'),
      schema: { params: Type.Object({ model: Type.String({ minLength: 1 }), ref: Type.String({ minLength: 1 }) }) },
      handler: async (req) => {
        await visibleModelTeam(req, req.params.model!);
        return validateModel(req.ctx, versionRef(req.params.model!, req.params.ref));
      },
    }),
    route({
      method: 'POST',
      url: '/api/v1/models/:model/promotions',
      summary: 'Promotes a version to champion or challenger; champion needs the gate passed, no freeze, and an approver who is not the builder',
      tag: 'models',
      access: team('promote'),
      schema: {
        params: ModelParam,
        body: Type.Object(
          {
            version: Type.String({ minLength: 1 }),
            alias: Type.Union([Type.Literal('champion'), Type.Literal('challenger')]),
            reason: Type.String({ minLength: 1 }),
          },
          { additionalProperties: false },
        ),
      },
      handler: async (req) => {
        const model = req.params.model!;
        const ctx = await modelWriteContext(req, model, 'promote');
        const b = req.body as { version: string; alias: 'champion' | 'challenger'; reason: string };
        return promote(ctx, { ref: versionRef(model, b.version), alias: b.alias, reason: b.reason });
      },
    }),
    route({
      method: 'GET',
      url: '/api/v1/approvals',
      summary: 'Versions awaiting promotion (newer than the champion), with their gate result',
      tag: 'models',
      access: team('read'),
      schema: {},
      handler: async (req) => pendingApprovals(req.ctx, req.visibleTeams),
    }),
  ];
}

/** A recipe built through the server is the acting team's, and reads only the measurements of teams it may see. */
async function scopeRecipe(req: ApiRequest, recipe: Recipe): Promise<Recipe> {
  assertActingTeam(req, recipe.team, 'recipe.team');
  if (!('window' in recipe.dataset)) {
    await visibleSnapshot(req, recipe.dataset.snapshot, 'recipe.dataset.snapshot');
    return recipe;
  }
  // An empty list means the visible teams too: the store reads "no team filter" as every team.
  const teams = recipe.dataset.window.teams?.length ? recipe.dataset.window.teams : req.visibleTeams;
  const hidden = teams.filter((t) => !req.visibleTeams.includes(t));
  if (hidden.length) throw new RotguardError('forbidden', `recipe.dataset.teams names ${hidden.join(', ')}: no read grant`, { field: 'dataset.teams' });
  return { ...recipe, dataset: { window: { ...recipe.dataset.window, teams } } };
}

/** Model names belong to the team that registered the first version. */
async function assertModelNameFree(req: ApiRequest, recipe: Recipe): Promise<void> {
  const owner = await req.ctx.store.db.selectFrom('model_versions').select('team').where('model', '=', recipe.model).executeTakeFirst();
  if (owner && owner.team !== recipe.team) {
    throw new RotguardError('model_owned_by_other_team', `model name ${recipe.model} is taken by another team; choose another name`, { field: 'recipe.model' });
  }
}
