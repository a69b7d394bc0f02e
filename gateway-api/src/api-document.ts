/**
 * The gateway's OpenAPI document from its route table alone: no ledger, CA, user store or
 * network. Clients generate their types from it (the portal's `src/api.d.ts`), and it is the
 * document every gateway serves at /openapi.json (a unit test compares the two).
 */
import type { Accounts } from './accounts';
import type { EventSource } from './events';
import { openApiDocument } from './http';
import type { Ledger } from './ledger';
import type { MessageStore } from './messages';
import { servedRoutes } from './routes';
import { accountRoutes } from './routes/accounts';
import { API_INFO } from './server';

/** A dependency the route table only holds on to: building the document must not use it. */
function absent(what: string): object {
  return new Proxy(
    {},
    {
      get(_target, property) {
        throw new Error(`building the OpenAPI document used ${what}.${String(property)}: routes must only hold it`);
      },
    },
  );
}

/** The OpenAPI document of every route a gateway serves. */
export function apiDocument(): ReturnType<typeof openApiDocument> {
  const accounts = absent('accounts') as Accounts;
  const ledger = absent('ledger') as Ledger;
  const messages = absent('messages') as MessageStore;
  const routes = servedRoutes({ accounts, ledger, messages, events: absent('events') as EventSource });
  return openApiDocument([...accountRoutes(accounts, undefined), ...routes], API_INFO);
}
