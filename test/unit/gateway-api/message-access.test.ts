/**
 * Staff access to a patient's messages: the first opening records an access event on the
 * ledger; its ticket then serves the same reader, patient and purpose, checked again on the
 * ledger at each use, until it is near its expiry, when a new access event is recorded.
 */
import type { UserIdentity } from '../../../gateway-api/src/fabric';
import { MessageAccess } from '../../../gateway-api/src/message-access';

const who: UserIdentity = { mspId: 'HospitalAMSP', certPem: 'CERT', keyPem: 'KEY' };

class FakeLedger {
  now = Date.parse('2026-05-01T10:00:00Z');
  readonly calls: string[] = [];
  refusal: Error | undefined;
  #tickets = 0;

  read(_who: UserIdentity, kind: string, patientId: string, purpose: string) {
    this.calls.push(`read ${kind} ${patientId} ${purpose}`);
    if (this.refusal) return Promise.reject(this.refusal);
    this.#tickets += 1;
    const ticket = {
      ticketId: `T${String(this.#tickets)}`,
      kind: 'messages' as const,
      resourceId: patientId,
      basis: 'care' as const,
      flagged: false,
      expiresAt: new Date(this.now + 5 * 60_000).toISOString(),
      custodian: 'HospitalAMSP',
    };
    return Promise.resolve({ txId: 'tx', result: { ticket, value: {} } });
  }

  recheckRead(_who: UserIdentity, kind: string, patientId: string, ticketId: string, holder: string) {
    this.calls.push(`recheck ${kind} ${patientId} ${ticketId} ${holder}`);
    return this.refusal ? Promise.reject(this.refusal) : Promise.resolve({});
  }
}

describe('staff access to messages', () => {
  let ledger: FakeLedger;
  let access: MessageAccess;

  beforeEach(() => {
    ledger = new FakeLedger();
    access = new MessageAccess(ledger, () => ledger.now);
  });

  it('records one access event per reader, patient and purpose while its ticket lasts, checking it at each use', async () => {
    expect(await access.open(who, 'drwho', 'PAT-1', 'treatment')).toEqual({
      ticketId: 'T1',
      basis: 'care',
      purpose: 'treatment',
      recorded: true,
    });
    ledger.now += 60_000;
    expect(await access.open(who, 'drwho', 'PAT-1', 'treatment')).toMatchObject({ ticketId: 'T1', recorded: false });
    // Another purpose, patient or reader is another access.
    expect(await access.open(who, 'drwho', 'PAT-1', 'research')).toMatchObject({ ticketId: 'T2', recorded: true });
    expect(await access.open(who, 'drwho', 'PAT-2', 'treatment')).toMatchObject({ ticketId: 'T3', recorded: true });
    expect(await access.open(who, 'drno', 'PAT-1', 'treatment')).toMatchObject({ ticketId: 'T4', recorded: true });
    expect(ledger.calls).toEqual([
      'read messages PAT-1 treatment',
      'recheck messages PAT-1 T1 HospitalAMSP',
      'read messages PAT-1 research',
      'read messages PAT-2 treatment',
      'read messages PAT-1 treatment',
    ]);
  });

  it('records a new access event once the ticket is near its expiry', async () => {
    await access.open(who, 'drwho', 'PAT-1', 'treatment');
    ledger.now += 5 * 60_000 - 10_000;
    expect(await access.open(who, 'drwho', 'PAT-1', 'treatment')).toMatchObject({ ticketId: 'T2', recorded: true });
  });

  it('forgets a ticket the ledger refuses, and asks anew next time', async () => {
    await access.open(who, 'drwho', 'PAT-1', 'treatment');
    ledger.refusal = new Error('CONSENT_REQUIRED: no lawful basis');
    await expect(access.open(who, 'drwho', 'PAT-1', 'treatment')).rejects.toThrow('CONSENT_REQUIRED');
    await expect(access.open(who, 'drwho', 'PAT-1', 'treatment')).rejects.toThrow('CONSENT_REQUIRED');
    expect(ledger.calls.slice(1)).toEqual(['recheck messages PAT-1 T1 HospitalAMSP', 'read messages PAT-1 treatment']);
    ledger.refusal = undefined;
    expect(await access.open(who, 'drwho', 'PAT-1', 'treatment')).toMatchObject({ ticketId: 'T2', recorded: true });
  });
});
