import type { RouteSpec } from '../http';
import { careRoutes } from './care';
import type { RouteDeps } from './common';
import { consortiumRoutes } from './consortium';
import { eventRoutes } from './events';
import { healthRoutes } from './health';
import { consentRoutes } from './consents';
import { insuranceRoutes } from './insurance';
import { memberRoutes } from './members';
import { messageRoutes } from './messages';
import { pendingRoutes } from './pending';
import { recordRoutes } from './records';

export type { RouteDeps } from './common';

/** Every ledger resource of the API. */
export function ledgerRoutes(deps: RouteDeps): RouteSpec[] {
  return [
    ...memberRoutes(deps),
    ...consortiumRoutes(deps),
    ...consentRoutes(deps),
    ...recordRoutes(deps),
    ...careRoutes(deps),
    ...insuranceRoutes(deps),
    ...pendingRoutes(deps),
    ...messageRoutes(deps),
  ];
}

/** What the event stream (see routes/events.ts) and the node health check need besides the ledger. */
export type ServedRouteDeps = Parameters<typeof eventRoutes>[0] & Parameters<typeof healthRoutes>[0];

/**
 * Every route a gateway serves besides the accounts' (server.ts adds those): the ledger
 * resources and the event stream. The gateway process and the offline OpenAPI document
 * (api-document.ts) both take this list, so the document describes what is served.
 */
export function servedRoutes(deps: ServedRouteDeps): RouteSpec[] {
  return [...ledgerRoutes(deps), ...eventRoutes(deps), ...healthRoutes(deps)];
}
