import type { RouteSpec } from '../http';
import { careRoutes } from './care';
import type { RouteDeps } from './common';
import { consortiumRoutes } from './consortium';
import { consentRoutes } from './consents';
import { insuranceRoutes } from './insurance';
import { memberRoutes } from './members';
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
  ];
}
