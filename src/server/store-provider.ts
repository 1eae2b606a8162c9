import type { Store } from '../store/store.js';
import type { TenantStores } from '../store/tenant.js';

/**
 * Where a request's store comes from. The embedded store is one file for every team
 * (scoping is the server's, in the application); on PostgreSQL each team gets connections
 * that carry its name, so row-level security scopes every query in the database too.
 */
export interface StoreProvider {
  /** Unscoped: identity lookups, the event log's follower (never a team's rows for a request). */
  base: Store;
  forTeam(team: string | null): Store;
  close(): Promise<void>;
}

export function singleStoreProvider(store: Store): StoreProvider {
  return { base: store, forTeam: () => store, close: () => store.close() };
}

/** Team-scoped stores (store/tenant.ts): on PostgreSQL each team's connections carry its name for row-level security. */
export function tenantStoreProvider(tenants: TenantStores): StoreProvider {
  return { base: tenants.base, forTeam: (team) => (team ? tenants.forTeam(team) : tenants.base), close: () => tenants.close() };
}
