import { createHash } from 'node:crypto';
import { type Caller, printable } from '../helpers/fabric-stub';
import {
  approveErasure,
  attempt,
  body,
  consortiumLedger,
  createRecord,
  evaluate,
  followLedgerClock,
  HA,
  HB,
  privateOf,
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
  salted,
  submit,
  contracts,
} from './fixture';

const { records, consent, access, erasure } = contracts;

describe('records', () => {
  let ledger: Ledger;

  beforeEach(async () => {
    ledger = await consortiumLedger();
    await registerPatient(ledger);
  });

  it("keeps the body in the custodian's collection and its hash in the public header", async () => {
    const { recordId, contentHash } = await createRecord(ledger, people.doctorA);
    const stored = privateOf(ledger, HA).get(`\u0000recordBody\u0000${recordId}\u0000000001\u0000`);
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
      source: 'clinician',
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
      transient: salted({ body: JSON.stringify(body) }),
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
      transient: salted({ body: JSON.stringify({ ...body, notes: 'improving' }) }),
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

  it('refuses an amendment by another member, and publishing a published version again', async () => {
    const { recordId, contentHash } = await createRecord(ledger, people.doctorA);
    await expect(
      submit(ledger, people.doctorB, (c) => records.AmendBody(c, recordId), {
        transient: salted({ body: JSON.stringify(body) }),
      }),
    ).rejects.toThrow(/^FORBIDDEN/);
    await expect(
      submit(ledger, people.doctorA, (c) => records.Publish(c, recordId, PATIENT_A, 'diagnosis', '1', contentHash)),
    ).rejects.toThrow(/^ALREADY_EXISTS: record .* version 1 is published/);
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
    // The body and its binding to patient and category, each filed under the patient for erasure.
    expect([...privateOf(ledger, HB).keys()].map(printable).sort()).toEqual([
      `phiKey/${PATIENT_A}/recordBinding/${recordId}/000001`,
      `phiKey/${PATIENT_A}/recordBody/${recordId}/000001`,
      `phiLast/${PATIENT_A}`,
      `recordBinding/${recordId}/000001`,
      `recordBody/${recordId}/000001`,
    ]);
  });

  it('refuses a clinical record from a lab technician or a billing clerk', async () => {
    for (const who of [people.labtech, people.billingA]) {
      await expect(createRecord(ledger, who)).rejects.toThrow(/^FORBIDDEN: only doctor/);
    }
  });

  it.each([
    ['an unknown field', { ...body, ssn: '123' }, /unknown body fields: ssn/],
    ['no clinical content', {}, /the body has no clinical content/],
    ['a bad attachment hash', { attachments: [{ name: 'scan.pdf', sha256: 'xyz' }] }, /attachment sha256/],
  ])('rejects a body with %s and writes nothing', async (_, content, error) => {
    const store = attempt(ledger, people.doctorA, (c) => records.CreateBody(c, PATIENT_A, 'diagnosis'), {
      transient: salted({ body: JSON.stringify(content) }),
    });
    expect(await store).toEqual({ error: expect.stringMatching(error), changes: [] });
  });

  it("invalidates a body endorsed without the custodian's peer: it is neither stored nor publishable", async () => {
    for (const endorsingOrganizations of [[HB], [HB, LAB, INS]]) {
      const stored = await ledger.endorse(people.doctorA, (c) => records.CreateBody(c, PATIENT_A, 'diagnosis'), {
        transient: salted({ body: JSON.stringify(body) }),
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

describe('patient-reported records', () => {
  let ledger: Ledger;
  followLedgerClock(() => ledger);
  const history = { diagnosis: `penicillin allergy since 1998 ${PHI_MARKER}`, notes: 'rash and swelling' };
  const scan = { attachments: [{ name: 'discharge-letter.pdf', sha256: 'a'.repeat(64) }] };

  beforeEach(async () => {
    ledger = await consortiumLedger();
    await registerPatient(ledger);
    await registerPatient(ledger, 'PAT-HA-0002');
  });

  const report = (who: Caller = people.patientA, category = 'allergy', content: object = history) =>
    createRecord(ledger, who, { category, content });

  const header = async (recordId: string) =>
    JSON.parse(await evaluate(ledger, people.patientA, (c) => records.Get(c, recordId))) as Record<string, unknown>;

  it("keeps the patient's own history at their home member, marked as the patient's and authored by them", async () => {
    const { recordId, contentHash } = await report();
    const stored = privateOf(ledger, HA).get(key('recordBody', recordId, '000001'));
    expect(Buffer.from(stored!).toString()).toContain(PHI_MARKER);
    expect(await header(recordId)).toEqual({
      recordId,
      patientId: PATIENT_A,
      category: 'allergy',
      custodian: HA,
      author: PATIENT_A,
      source: 'patient',
      version: 1,
      createdAt: '2026-01-15T09:00:00.000Z',
      updatedAt: '2026-01-15T09:00:00.000Z',
      contentHash,
      purged: false,
    });
    expect(JSON.parse(ledger.committedEvents.at(-1)!.payload.toString())).toEqual({
      recordId,
      patientId: PATIENT_A,
      category: 'allergy',
      custodian: HA,
      version: 1,
      source: 'patient',
    });
    const documented = await report(people.patientA, 'note', scan);
    expect(await header(documented.recordId)).toMatchObject({ source: 'patient', category: 'note' });
    expect(publicText(ledger)).not.toContain(PHI_MARKER);
  });

  it("marks doctors' records as the clinician's", async () => {
    const { recordId } = await createRecord(ledger, people.doctorA);
    expect(await header(recordId)).toMatchObject({ source: 'clinician', author: 'DOC-HA-0001' });
    expect(JSON.parse(ledger.committedEvents.at(-1)!.payload.toString())).toMatchObject({ source: 'clinician' });
  });

  it('refuses a report about another patient, with a certificate of another member, or of an unknown patient, changing nothing', async () => {
    const foreignCertificate = { mspId: HB, cn: 'patient1', attrs: people.patientA.attrs };
    const unknown = { mspId: HA, cn: 'patient9', attrs: { 'ehr.role': 'patient', 'ehr.patientId': 'PAT-HA-0009' } };
    for (const [who, patientId, error] of [
      [people.patientA2, PATIENT_A, /^FORBIDDEN: patients add records about themselves only/],
      [foreignCertificate, PATIENT_A, /^FORBIDDEN: patients add records about themselves only/],
      [unknown, 'PAT-HA-0009', /^NOT_FOUND: patient PAT-HA-0009 is not registered/],
    ] as const) {
      const stored = await attempt(ledger, who, (c) => records.CreateBody(c, patientId, 'allergy'), {
        transient: salted({ body: JSON.stringify(history) }),
      });
      expect(stored).toEqual({ error: expect.stringMatching(error), changes: [] });
    }
  });

  it('refuses a lab result from a patient: only a lab posts those', async () => {
    expect(
      await attempt(ledger, people.patientA, (c) => records.CreateBody(c, PATIENT_A, 'lab-result'), {
        transient: salted({ body: JSON.stringify(history) }),
      }),
    ).toEqual({ error: expect.stringMatching(/^FORBIDDEN: patients do not report lab results/), changes: [] });
  });

  it('refuses a header published by a patient for a body they did not report', async () => {
    const { recordId, contentHash } = await createRecord(ledger, people.doctorA);
    const amended = await submit(ledger, people.doctorA, (c) => records.AmendBody(c, recordId), {
      transient: salted({ body: JSON.stringify({ ...body, notes: 'stable' }) }),
    });
    const next = JSON.parse(amended.result) as { contentHash: string };
    expect(
      await attempt(ledger, people.patientA, (c) =>
        records.Publish(c, recordId, PATIENT_A, 'diagnosis', '2', next.contentHash),
      ),
    ).toEqual({
      error: expect.stringMatching(/^FORBIDDEN: patients amend only the records they reported/),
      changes: [],
    });
    expect(await header(recordId)).toMatchObject({ version: 1, contentHash, source: 'clinician' });
  });

  it('lets the patient amend their own report, a new version authored by them', async () => {
    const { recordId } = await report();
    ledger.advance(60_000);
    const amended = await submit(ledger, people.patientA, (c) => records.AmendBody(c, recordId), {
      transient: salted({ body: JSON.stringify({ ...history, notes: 'also latex' }) }),
    });
    const { contentHash } = JSON.parse(amended.result) as { contentHash: string };
    await submit(ledger, people.patientA, (c) => records.Publish(c, recordId, PATIENT_A, 'allergy', '2', contentHash));
    expect(await header(recordId)).toMatchObject({ version: 2, contentHash, author: PATIENT_A, source: 'patient' });
    const versions = JSON.parse(await evaluate(ledger, people.doctorA, (c) => records.History(c, recordId))) as {
      author: string;
    }[];
    expect(versions.map((v) => v.author)).toEqual([PATIENT_A, PATIENT_A]);
  });

  it("lets no doctor amend a patient's report, nor the patient a clinician's record, nor another patient", async () => {
    const reported = await report();
    const clinical = await createRecord(ledger, people.doctorA);
    const amend = (who: Caller, recordId: string) =>
      attempt(ledger, who, (c) => records.AmendBody(c, recordId), {
        transient: salted({ body: JSON.stringify(history) }),
      });
    expect(await amend(people.doctorA, reported.recordId)).toEqual({
      error: expect.stringMatching(/^FORBIDDEN: a patient-reported record is amended by the patient only/),
      changes: [],
    });
    expect(await amend(people.patientA, clinical.recordId)).toEqual({
      error: expect.stringMatching(/^FORBIDDEN: patients amend only the records they reported/),
      changes: [],
    });
    expect(await amend(people.patientA2, reported.recordId)).toEqual({
      error: expect.stringMatching(/^FORBIDDEN: patients add records about themselves only/),
      changes: [],
    });
    // Nor may a doctor publish a version the patient stored.
    const stored = await submit(ledger, people.patientA, (c) => records.AmendBody(c, reported.recordId), {
      transient: salted({ body: JSON.stringify({ ...history, notes: 'corrected' }) }),
    });
    const { contentHash } = JSON.parse(stored.result) as { contentHash: string };
    expect(
      await attempt(ledger, people.doctorA, (c) =>
        records.Publish(c, reported.recordId, PATIENT_A, 'allergy', '2', contentHash),
      ),
    ).toEqual({ error: expect.stringMatching(/^FORBIDDEN: a patient-reported record/), changes: [] });
    expect(await header(reported.recordId)).toMatchObject({ version: 1, author: PATIENT_A });
  });

  it('is read like any record: the patient, the home member’s treating staff, others by consent', async () => {
    const { recordId } = await report();
    const request = async (who: Caller) =>
      JSON.parse((await submit(ledger, who, (c) => access.RequestAccess(c, recordId, 'treatment'))).result) as {
        ticketId: string;
        basis: string;
        custodian: string;
      };
    const mine = await request(people.patientA);
    expect(mine).toMatchObject({ basis: 'patient', custodian: HA });
    const read = await evaluate(ledger, people.patientA, (c) => access.ReadBody(c, recordId, mine.ticketId));
    expect(JSON.parse(read)).toMatchObject({ recordId, category: 'allergy', ...history });
    expect((await request(people.doctorA)).basis).toBe('treating-staff');
    await expect(request(people.doctorB)).rejects.toThrow(/^CONSENT_REQUIRED/);
    await expect(request(people.patientA2)).rejects.toThrow(/^CONSENT_REQUIRED/);
    await submit(ledger, people.patientA, (c) =>
      consent.Grant(
        c,
        JSON.stringify({
          grantee: { mspId: HB },
          categories: ['allergy'],
          purpose: 'treatment',
          validUntil: '2026-06-01T00:00:00Z',
        }),
      ),
    );
    const consented = await request(people.doctorB);
    expect(consented).toMatchObject({ basis: 'consent', custodian: HA });
    const readByB = await evaluate(ledger, people.doctorB, (c) => access.ReadBody(c, recordId, consented.ticketId), {
      peerMspId: HA,
    });
    expect(readByB).toContain(PHI_MARKER);
  });

  it('is erased with the rest of the patient’s data, after which the patient adds nothing', async () => {
    const { recordId } = await report();
    const requested = await submit(ledger, people.patientA, (c) => erasure.Request(c));
    const { requestId } = JSON.parse(requested.result) as { requestId: string };
    await approveErasure(ledger, people.adminA, PATIENT_A, requestId);
    expect(privateOf(ledger, HA).get(key('recordBody', recordId, '000001'))).toBeUndefined();
    expect(await header(recordId)).toMatchObject({ purged: true, source: 'patient' });
    expect(
      await attempt(ledger, people.patientA, (c) => records.CreateBody(c, PATIENT_A, 'allergy'), {
        transient: salted({ body: JSON.stringify(history) }),
      }),
    ).toEqual({ error: expect.stringMatching(/^PURGED/), changes: [] });
  });
});
