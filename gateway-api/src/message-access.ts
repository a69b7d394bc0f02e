/**
 * The ledger's judgement on staff opening a patient's messages (see messages.ts). The first
 * opening commits an access event (RequestRead of kind `messages`: the reader's lawful basis,
 * judged at the transaction's time by the majority's endorsers, and a line in the patient's
 * "who looked at my data"); its ticket then serves that reader for that patient and purpose
 * until it expires (5 minutes on the ledger), each later use checked again on the ledger
 * (ReadResource: fresh, the reader's, the basis still holding: care that ended refuses at once).
 * Tickets live in memory only: a restarted gateway asks the ledger for a new one.
 */
import type { UserIdentity } from './fabric';
import type { Ledger } from './ledger';

/** A ticket this close to its expiry is not used: a new access event is recorded instead. */
const MARGIN_MS = 20_000;

export interface MessageTicket {
  ticketId: string;
  basis: string;
  purpose: string;
  /** True when this opening committed a new access event (no ticket held, or it was near its expiry). */
  recorded: boolean;
}

interface Held {
  ticketId: string;
  basis: string;
  custodian: string;
  expiresAt: number;
}

export class MessageAccess {
  readonly #tickets = new Map<string, Held>();

  constructor(
    private readonly ledger: Pick<Ledger, 'read' | 'recheckRead'>,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * The reader's access to the patient's messages for the purpose: a held ticket checked again,
   * or a new access event. Throws the ledger's refusal (CONSENT_REQUIRED, FORBIDDEN, PURGED, …).
   */
  async open(who: UserIdentity, reader: string, patientId: string, purpose: string): Promise<MessageTicket> {
    this.#expire();
    const key = `${reader}\n${patientId}\n${purpose}`;
    const held = this.#tickets.get(key);
    if (held && held.expiresAt - this.clock() > MARGIN_MS) {
      try {
        await this.ledger.recheckRead(who, 'messages', patientId, held.ticketId, held.custodian);
      } catch (error) {
        this.#tickets.delete(key);
        throw error;
      }
      return { ticketId: held.ticketId, basis: held.basis, purpose, recorded: false };
    }
    const { result } = await this.ledger.read(who, 'messages', patientId, purpose);
    const { ticket } = result;
    this.#tickets.set(key, {
      ticketId: ticket.ticketId,
      basis: ticket.basis,
      custodian: ticket.custodian,
      expiresAt: Date.parse(ticket.expiresAt),
    });
    return { ticketId: ticket.ticketId, basis: ticket.basis, purpose, recorded: true };
  }

  #expire(): void {
    const now = this.clock();
    for (const [key, held] of this.#tickets) if (held.expiresAt - now <= MARGIN_MS) this.#tickets.delete(key);
  }
}
