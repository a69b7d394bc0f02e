/**
 * What the whole portal shares, as signals: the session (in memory only: a reload asks to sign
 * in again, and no script can find a token in storage), the highest block the client has seen
 * committed, the transaction being committed, the last problem and the last live event.
 */
import { signal } from '@preact/signals';
import type { components } from './api';

export type Me = components['schemas']['Me'];

export interface Session {
  token: string;
  expiresAt: string;
  me: Me;
}

export const session = signal<Session | undefined>(undefined);

/**
 * The highest block this client has seen committed (a write's `Ehr-Committed-Block`, an event's
 * id): sent as `Ehr-Min-Block` with every request, so the gateway answers only once its peer
 * holds the client's own writes (read-your-writes).
 */
export const highestBlock = signal<number | undefined>(undefined);

export function seeBlock(block: number | undefined): void {
  if (block === undefined || !Number.isSafeInteger(block) || block < 0) return;
  if (highestBlock.value === undefined || block > highestBlock.value) highestBlock.value = block;
}

/** An API error as the portal shows it: the gateway's code and message (and transaction, if any). */
export interface Problem {
  code: string;
  message: string;
  txId?: string | undefined;
}

export const problem = signal<Problem | undefined>(undefined);

/** What is being sent or committed right now (shown as progress), if anything. */
export const pending = signal<string | undefined>(undefined);

/** The outcome of the last write, e.g. "Consent granted: committed in block 42". */
export const notice = signal<string | undefined>(undefined);

export interface LiveEvent {
  name: string;
  payload: Record<string, unknown>;
}

/** The last ledger event of the live stream; views that show what it changes re-read. */
export const lastEvent = signal<LiveEvent | undefined>(undefined);

/** The live stream's state, shown in the header. */
export const live = signal<'off' | 'connecting' | 'live' | 'reconnecting'>('off');

export function signOutLocally(reason?: Problem): void {
  session.value = undefined;
  highestBlock.value = undefined;
  lastEvent.value = undefined;
  notice.value = undefined;
  problem.value = reason;
}
