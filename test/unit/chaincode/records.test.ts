import { createHash } from 'node:crypto';
import { ConsentContract } from '../../../chaincode/src/consent-contract';
import { RecordContract } from '../../../chaincode/src/record-contract';
import {
  attempt,
  body,
  createRecord,
  evaluate,
  HA,
  HB,
  INS,
  itemsOf,
  key,
  LAB,
  Ledger,
  PATIENT_A,
  people,
  PHI_MARKER,
  publicText,
  registerPatient,
  submit,
} from './fixture';

const records = new RecordContract();
const consent = new ConsentContract();

describe('records', () => {
  let ledger: Ledger;

  beforeEach(async () => {
    ledger = new Ledger();
    await registerPatient(ledger);
  });

  it("keeps the body in the custodian's collection and its hash in the public header", async () => {
    const { recordId, contentHash } = await createRecord(ledger, people.doctorA);
    const stored = ledger.collection(`_implicit_org_${HA}`).get(`\u0000recordBody\u0000${recordId}\u0000000001\u0000`);
    expect(Buffer.from(stored!).toString()).toContain(PHI_MARKER);
    expect(createHash('sha256').update(stored!).digest('hex')).toBe(contentHash);
    const header = JSON.parse(await evaluate(ledger, people.doctorA, (c) => records.Get(c, recordId))) as Record<
      string,
      unknown
    >;
    expect(header).toEqual({
      recordId,
      patientId: PATIENT_A,
      category: 'diagnosis',
      custodian: HA,
      author: 'DOC-HA-0001',
      version: 1,
      createdAt: '2026-01-15T09:00:00.000Z',
      updatedAt: '2026-01-15T09:00:00.000Z',
      contentHash,
      purged: false,
    });
    expect(publicText(ledger)).not.toContain(PHI_MARKER);
    expect(ledger.committedEvents.at(-1)).toMatchObject({ name: 'RecordAdded' });
  });

  it('lists a patient’s records for the patient and for staff, not for other patients', async () => {
    const { recordId } = await createRecord(ledger, people.doctorA);
    const listed = itemsOf<{ recordId: string }>(
      await evaluate(ledger, people.patientA, (c) => records.ListForPatient(c, PATIENT_A, '', '')),
    );
    expect(listed.map((r) => r.recordId)).toEqual([recordId]);
    await registerPatient(ledger, 'PAT-HA-0002');
    await expect(
      evaluate(ledger, people.patientA2, (c) => records.ListForPatient(c, PATIENT_A, '', '')),
    ).rejects.toThrow(/^FORBIDDEN/);
  });

  it('refuses a header whose hash does not match the stored body, and one with no body', async () => {
    const stored = await submit(ledger, people.doctorA, (c) => records.CreateBody(c, PATIENT_A, 'diagnosis'), {
      transient: { body: JSON.stringify(body) },
    });
    const { recordId } = JSON.parse(stored.result) as { recordId: string };
    const publish = (id: string) =>
      attempt(ledger, people.doctorA, (c) => records.Publish(c, id, PATIENT_A, 'diagnosis', '1', 'b'.repeat(64)));
    expect(await publish(recordId)).toEqual({ error: expect.stringMatching(/^HASH_MISMATCH/), changes: [] });
    expect(await publish('REC-none')).toEqual({ error: expect.stringMatching(/^NOT_FOUND/), changes: [] });
    expect(
      JSON.parse(await evaluate(ledger, people.doctorA, (c) => records.ListForPatient(c, PATIENT_A, '', ''))),
    ).toEqual({
      items: [],
      bookmark: '',
    });
  });

  it('makes a new version on amendment and keeps every version in the history', async () => {
    const { recordId } = await createRecord(ledger, people.doctorA);
    ledger.advance(3_600_000);
    const amended = await submit(ledger, people.doctorA, (c) => records.AmendBody(c, recordId), {
      transient: { body: JSON.stringify({ ...body, notes: 'improving' }) },
    });
    const { contentHash } = JSON.parse(amended.result) as { contentHash: string };
    await submit(ledger, people.doctorA, (c) => records.Publish(c, recordId, PATIENT_A, 'diagnosis', '2', contentHash));
    const history = JSON.parse(await evaluate(ledger, people.patientA, (c) => records.History(c, recordId))) as {
      version: number;
    }[];
    expect(history.map((h) => h.version)).toEqual([1, 2]);
    const header = JSON.parse(await evaluate(ledger, people.patientA, (c) => records.Get(c, recordId))) as Record<
      string,
      unknown
    >;
    expect(header).toMatchObject({
      version: 2,
      contentHash,
      createdAt: '2026-01-15T09:00:00.000Z',
      updatedAt: '2026-01-15T10:00:00.000Z',
    });
  });

  it('refuses an amendment by another member and a version that skips ahead', async () => {
    const { recordId, contentHash } = await createRecord(ledger, people.doctorA);
    await expect(
      submit(ledger, people.doctorB, (c) => records.AmendBody(c, recordId), {
        transient: { body: JSON.stringify(body) },
      }),
    ).rejects.toThrow(/^FORBIDDEN/);
    await expect(
      submit(ledger, people.doctorA, (c) => records.Publish(c, recordId, PATIENT_A, 'diagnosis', '1', contentHash)),
    ).rejects.toThrow(/^CONFLICT: record .* is at version 1/);
  });

  it("refuses a record for another member's patient without consent, allows it with a treatment consent", async () => {
    await expect(createRecord(ledger, people.doctorB)).rejects.toThrow(/^CONSENT_REQUIRED/);
    await submit(ledger, people.patientA, (c) =>
      consent.Grant(
        c,
        JSON.stringify({
          grantee: { mspId: HB },
          categories: ['diagnosis'],
          purpose: 'treatment',
          validUntil: '2026-06-01T00:00:00Z',
        }),
      ),
    );
    const { recordId } = await createRecord(ledger, people.doctorB);
    const header = JSON.parse(await evaluate(ledger, people.doctorB, (c) => records.Get(c, recordId))) as {
      custodian: string;
    };
    expect(header.custodian).toBe(HB);
    expect(ledger.collection(`_implicit_org_${HB}`).size).toBe(1);
  });

  it('refuses a clinical record from a lab technician, a billing clerk or a patient', async () => {
    for (const who of [people.labtech, people.billingA, people.patientA]) {
      await expect(createRecord(ledger, who)).rejects.toThrow(/^FORBIDDEN: only doctor/);
    }
  });

  it.each([
    ['an unknown field', { ...body, ssn: '123' }, /unknown body fields: ssn/],
    ['no clinical content', {}, /the body has no clinical content/],
    ['a bad attachment hash', { attachments: [{ name: 'scan.pdf', sha256: 'xyz' }] }, /attachment sha256/],
  ])('rejects a body with %s and writes nothing', async (_, content, error) => {
    const store = attempt(ledger, people.doctorA, (c) => records.CreateBody(c, PATIENT_A, 'diagnosis'), {
      transient: { body: JSON.stringify(content) },
    });
    expect(await store).toEqual({ error: expect.stringMatching(error), changes: [] });
  });

  it("invalidates a body endorsed without the custodian's peer: it is neither stored nor publishable", async () => {
    for (const endorsingOrganizations of [[HB], [HB, LAB, INS]]) {
      const stored = await ledger.endorse(people.doctorA, (c) => records.CreateBody(c, PATIENT_A, 'diagnosis'), {
        transient: { body: JSON.stringify(body) },
        endorsingOrganizations,
      });
      const before = ledger.snapshot();
      expect(() => ledger.commit(stored)).toThrow('(ENDORSEMENT_POLICY_FAILURE)');
      expect(ledger.changesSince(before)).toEqual([]);
      const { recordId, contentHash } = JSON.parse(stored.result) as { recordId: string; contentHash: string };
      expect(
        await attempt(ledger, people.doctorA, (c) =>
          records.Publish(c, recordId, PATIENT_A, 'diagnosis', '1', contentHash),
        ),
      ).toEqual({ error: expect.stringMatching(/^NOT_FOUND: no body of REC-/), changes: [] });
    }
  });

  it('rejects an unknown category', async () => {
    await expect(createRecord(ledger, people.doctorA, { category: 'astrology' })).rejects.toThrow(
      /^INVALID_ARGUMENT: category must be one of/,
    );
  });

  it("reports integrity: intact, then a mismatch on the custodian's peer once the stored body is altered", async () => {
    const { recordId } = await createRecord(ledger, people.doctorA);
    const verify = async (peerMspId: string) =>
      JSON.parse(await evaluate(ledger, people.doctorB, (c) => records.Verify(c, recordId), { peerMspId })) as {
        status: string;
        checked: string;
      };
    expect(await verify(HA)).toMatchObject({ status: 'intact', checked: 'body' });
    expect(await verify(HB)).toMatchObject({ status: 'intact', checked: 'hash' });
    ledger.tamperPrivateData(
      `_implicit_org_${HA}`,
      key('recordBody', recordId, '000001'),
      Buffer.from('{"tampered":true}'),
    );
    expect(await verify(HA)).toMatchObject({ status: 'mismatch', checked: 'body' });
  });
});
