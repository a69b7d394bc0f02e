/**
 * @ehr/protocol: what every part of the consortium agrees on. The chaincode, the gateways, the
 * network scripts and the tests import these definitions; none keeps a copy of its own.
 */
export * from './contracts';
export * from './errors';
export * from './events';
/** Checks of ledger answers, one per object type: `guards.consent(value)`. */
export * as guards from './guards';
export { type Guard, ProtocolError } from './guards';
export * from './network-json';
export * from './objects';
export * from './roles';
export * from './vocabulary';
