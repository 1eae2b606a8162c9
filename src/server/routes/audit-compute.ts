import { Type } from '@sinclair/typebox';
import { renderAuditHtml } from '../../audit/report-html.js';
import { audit } from '../../usecases/audit.js';
import { budgets, listComputeJobs } from '../../usecases/compute.js';
import { rawReply } from '../raw-reply.js';
import { route, team, type RouteSpec } from '../route.js';
import { str } from './common.js';

/** The audit over what the identity may see, and compute spend. */
export function auditComputeRoutes(): RouteSpec[] {
  return [
    route({
      method: 'POST',
      url: '/api/v1/audit',
      summary: "Audits every visible model version against the controls; the report as JSON (the event log's verification covers the whole log)",
      tag: 'audit',
      access: team('read'),
      schema: {
        body: Type.Optional(
          Type.Object(
            {
              maxMonitorAgeDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
              // One model version ("model@N") of a visible team; all visible versions when absent.
              version: Type.Optional(Type.String({ minLength: 3, maxLength: 200 })),
            },
            { additionalProperties: false },
          ),
        ),
      },
      handler: async (req) =>
        audit(req.ctx, {
          teams: req.visibleTeams,
          maxMonitorAgeDays: (req.body as { maxMonitorAgeDays?: number } | undefined)?.maxMonitorAgeDays,
          version: (req.body as { version?: string } | undefined)?.version,
        }),
    }),
    route({
      method: 'GET',
      url: '/api/v1/audit/report.html',
      summary: 'The audit report as self-contained HTML (visible teams)',
      tag: 'audit',
      access: team('read'),
      produces: 'text/html',
      schema: {},
      handler: async (req) => rawReply('text/html; charset=utf-8', renderAuditHtml(await audit(req.ctx, { teams: req.visibleTeams }))),
    }),
    route({
      method: 'GET',
      url: '/api/v1/jobs',
      summary: 'Compute jobs of the visible teams, newest first',
      tag: 'compute',
      access: team('read'),
      schema: { querystring: Type.Object({ month: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}$' })), state: Type.Optional(Type.String()) }) },
      handler: async (req) => {
        const jobs = await listComputeJobs(req.ctx, { month: str(req.query.month), state: str(req.query.state) });
        return jobs.filter((j) => req.visibleTeams.includes(j.team));
      },
    }),
    route({
      method: 'GET',
      url: '/api/v1/budgets',
      summary: 'Budgets and spend of the visible teams in a month (YYYY-MM, default this month)',
      tag: 'compute',
      access: team('read'),
      schema: { querystring: Type.Object({ month: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}$' })) }) },
      handler: async (req) => {
        const month = str(req.query.month) ?? new Date().toISOString().slice(0, 7);
        return (await budgets(req.ctx, month)).filter((b) => req.visibleTeams.includes(b.team));
      },
    }),
  ];
}
