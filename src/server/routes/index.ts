import type { ChemPoolHolder } from '../chem-pool-holder.js';
import type { RouteSpec } from '../route.js';
import { auditComputeRoutes } from './audit-compute.js';
import { dashboardRoutes } from './dashboard.js';
import { dataRoutes } from './data.js';
import { eventRoutes } from './events.js';
import { identityRoutes } from './identity.js';
import { modelRoutes } from './models.js';
import { monitoringRoutes } from './monitoring.js';
import { predictionRoutes } from './predictions.js';
import { standardsRoutes } from './standards.js';
import { webhookRoutes } from './webhooks.js';

/** Every API route, in the order the OpenAPI document lists them. */
export function apiRoutes(chem: ChemPoolHolder): RouteSpec[] {
  return [
    ...identityRoutes(),
    ...standardsRoutes(),
    ...dataRoutes(chem),
    ...modelRoutes(),
    ...predictionRoutes(chem),
    ...monitoringRoutes(),
    ...auditComputeRoutes(),
    ...eventRoutes(),
    ...webhookRoutes(),
    ...dashboardRoutes(),
  ];
}
