/** Why a read was lawful, and the public trail of every read: defined in the protocol. */
export { type AccessEvent, BASES, type Basis } from '@ehr/protocol';
