import { createHash } from 'node:crypto';
import { caller } from '../../../chaincode/src/identity';
import { type Caller, printable } from '../helpers/fabric-stub';
import {
  attempt,
  consortiumLedger,
  demographics,
  evaluate,
  HA,
  HB,
  INS,
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

const { directory } = contracts;

describe('identity from the creator certificate', () => {
  const ledger = new Ledger();

  it.each([
    ['no role', { mspId: HA, attrs: {} }, /FORBIDDEN: the certificate carries no ehr.role/],
    ['an unknown role', { mspId: HA, attrs: { 'ehr.role': 'superuser' } }, /FORBIDDEN/],
    ['a patient without patientId', { mspId: HA, attrs: { 'ehr.role': 'patient' } }, /must carry ehr.patientId/],
    [
      'a doctor without practitionerId',
      { mspId: HA, attrs: { 'ehr.role': 'doctor' } },
      /must carry ehr.practitionerId/,
    ],
  ])('refuses a certificate with %s', (_, who, error) => {
    expect(() => caller(ledger.context(who))).toThrow(error);
  });

  it('takes role, ids, org and fingerprint from the certificate', () => {
    const who = caller(ledger.context(people.doctorB));
    expect(who).toMatchObject({ mspId: HB, role: 'doctor', practitionerId: 'DOC-HB-0001' });
    expect(who.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('directory', () => {
  let ledger: Ledger;

  beforeEach(async () => {
    ledger = await consortiumLedger();
  });

  describe('org profiles', () => {
    it('lets an admin publish their own member profile, endorsed by that member from then on', async () => {
      await submit(ledger, people.adminA, (c) =>
        directory.PublishOrgProfile(
          c,
          JSON.stringify({ kind: 'hospital', displayName: 'Hospital A', specialities: ['cardiology'] }),
        ),
      );
      const profiles = JSON.parse(
        await evaluate(ledger, people.doctorB, (c) => directory.ListOrgProfiles(c)),
      ) as unknown[];
      expect(profiles).toEqual([
        {
          mspId: HA,
          kind: 'hospital',
          displayName: 'Hospital A',
          specialities: ['cardiology'],
          updatedAt: '2026-01-15T09:00:00.000Z',
        },
      ]);

      const renamed = JSON.stringify({ kind: 'hospital', displayName: 'Hospital A (renamed)' });
      const republish = (endorsingOrganizations?: string[]) =>
        attempt(ledger, people.adminA, (c) => directory.PublishOrgProfile(c, renamed), { endorsingOrganizations });
      expect(await republish([HB, LAB, INS])).toEqual({
        error: expect.stringContaining('(ENDORSEMENT_POLICY_FAILURE)'),
        changes: [],
      });
      expect(await republish()).toEqual({ changes: ['state org/HospitalAMSP: changed'] });
      expect(ledger.keyPolicy(key('org', HA))).toEqual([HA]);
    });

    it('refuses a profile from a non-admin, and a malformed one, changing nothing', async () => {
      await submit(ledger, people.adminA, (c) =>
        directory.PublishOrgProfile(c, '{"kind":"hospital","displayName":"Hospital A"}'),
      );
      const publish = (who: Caller, profile: string) =>
        attempt(ledger, who, (c) => directory.PublishOrgProfile(c, profile));
      expect(await publish(people.doctorA, '{"kind":"hospital","displayName":"X"}')).toEqual({
        error: expect.stringMatching(/^FORBIDDEN/),
        changes: [],
      });
      expect(await publish(people.adminA, '{"kind":"spa","displayName":"X"}')).toEqual({
        error: expect.stringMatching(/^INVALID_ARGUMENT: kind must be one of/),
        changes: [],
      });
      expect(await publish(people.adminA, 'not json')).toEqual({
        error: expect.stringMatching(/^INVALID_ARGUMENT: profile must be JSON/),
        changes: [],
      });
    });
  });

  describe('practitioners', () => {
    it("registers a practitioner under the admin's own member", async () => {
      await submit(ledger, people.adminB, (c) =>
        directory.RegisterPractitioner(
          c,
          JSON.stringify({
            practitionerId: 'DOC-HB-0001',
            role: 'doctor',
            licenceNo: 'L-1',
            specialty: 'cardiology',
            mspId: HA,
          }),
        ),
      );
      const listed = JSON.parse(await evaluate(ledger, people.adminA, (c) => directory.ListPractitioners(c, HB))) as {
        mspId: string;
      }[];
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({ practitionerId: 'DOC-HB-0001', mspId: HB, status: 'active' });
      expect(JSON.parse(await evaluate(ledger, people.adminA, (c) => directory.ListPractitioners(c, HA)))).toEqual([]);
      const suspend = JSON.stringify({
        practitionerId: 'DOC-HB-0001',
        role: 'doctor',
        licenceNo: 'L-1',
        status: 'suspended',
      });
      expect(
        await attempt(ledger, people.adminB, (c) => directory.RegisterPractitioner(c, suspend), {
          endorsingOrganizations: [HA, LAB, INS],
        }),
      ).toEqual({ error: expect.stringContaining('(ENDORSEMENT_POLICY_FAILURE)'), changes: [] });
    });

    it('rejects a practitioner with a role that is not clinical', async () => {
      await expect(
        submit(ledger, people.adminB, (c) =>
          directory.RegisterPractitioner(c, JSON.stringify({ practitionerId: 'X', role: 'admin', licenceNo: 'L' })),
        ),
      ).rejects.toThrow(/^INVALID_ARGUMENT: role must be one of doctor, labtech/);
    });
  });

  describe('patients', () => {
    it('keeps demographics in the home member collection and only their hash in public state', async () => {
      await registerPatient(ledger);
      const collection = ledger.collection(`_implicit_org_${HA}`);
      const [stored] = [...collection.values()];
      expect(Buffer.from(stored!).toString()).toContain(PHI_MARKER);
      const patient = JSON.parse(
        await evaluate(ledger, people.doctorA, (c) => directory.GetPatient(c, PATIENT_A)),
      ) as Record<string, unknown>;
      expect(patient).toMatchObject({ patientId: PATIENT_A, homeOrg: HA, status: 'active' });
      expect(patient.demographicsHash).toBe(createHash('sha256').update(stored!).digest('hex'));
      expect(publicText(ledger)).not.toContain(PHI_MARKER);
      expect(ledger.collection(`_implicit_org_${HB}`).size).toBe(0);
    });

    it('refuses a public entry whose hash does not match the stored demographics', async () => {
      await submit(ledger, people.adminA, (c) => directory.StoreDemographics(c, PATIENT_A), {
        transient: salted({ demographics: JSON.stringify(demographics) }),
      });
      expect(
        await attempt(ledger, people.adminA, (c) => directory.RegisterPatient(c, PATIENT_A, 'a'.repeat(64))),
      ).toEqual({
        error: expect.stringMatching(/^HASH_MISMATCH/),
        changes: [],
      });
      expect(
        await attempt(ledger, people.adminB, (c) => directory.RegisterPatient(c, PATIENT_A, 'a'.repeat(64))),
      ).toEqual({
        error: expect.stringMatching(/^NOT_FOUND/),
        changes: [],
      });
      // Nothing but the member kinds the consortium was founded with.
      expect([...ledger.state.keys()].map(printable).filter((k) => !k.startsWith('memberKind/'))).toEqual([]);
    });

    it('refuses to register a patient twice', async () => {
      await registerPatient(ledger);
      await expect(registerPatient(ledger)).rejects.toThrow(/^ALREADY_EXISTS/);
    });

    it('requires the demographics in the transient map, never as an argument', async () => {
      await expect(submit(ledger, people.adminA, (c) => directory.StoreDemographics(c, PATIENT_A))).rejects.toThrow(
        /^INVALID_ARGUMENT: the transient map must carry 'demographics'/,
      );
      await expect(
        submit(ledger, people.adminA, (c) => directory.StoreDemographics(c, PATIENT_A), {
          transient: salted({ demographics: '{"name":"A","dateOfBirth":"1980-13-45"}' }),
        }),
      ).rejects.toThrow(/^INVALID_ARGUMENT/);
    });

    it('binds the certificate a patient uses, once', async () => {
      await registerPatient(ledger);
      await submit(ledger, people.patientA, (c) => directory.LinkPatientCertificate(c));
      ledger.advance(60_000);
      const before = ledger.snapshot();
      await submit(ledger, people.patientA, (c) => directory.LinkPatientCertificate(c));
      expect(ledger.changesSince(before)).toEqual([]);
      const patient = JSON.parse(
        await evaluate(ledger, people.patientA, (c) => directory.GetPatient(c, PATIENT_A)),
      ) as { certFingerprints: string[] };
      expect(patient.certFingerprints).toHaveLength(1);
    });

    it('refuses a patient certificate from another member that claims the same patient id', async () => {
      await registerPatient(ledger);
      const impostor = { mspId: HB, cn: 'mallory', attrs: { 'ehr.role': 'patient', 'ehr.patientId': PATIENT_A } };
      await expect(submit(ledger, impostor, (c) => directory.LinkPatientCertificate(c))).rejects.toThrow(/^FORBIDDEN/);
      await expect(evaluate(ledger, impostor, (c) => directory.GetPatient(c, PATIENT_A))).rejects.toThrow(/^FORBIDDEN/);
    });

    it('answers INVALID_ARGUMENT, not an internal error, for an empty patient or member id', async () => {
      await expect(evaluate(ledger, people.doctorA, (c) => directory.GetPatient(c, ''))).rejects.toThrow(
        /^INVALID_ARGUMENT: patientId/,
      );
      await expect(evaluate(ledger, people.doctorA, (c) => directory.ListPractitioners(c, ''))).rejects.toThrow(
        /^INVALID_ARGUMENT: mspId/,
      );
    });

    it('answers NOT_FOUND for the practitioners of a member the consortium does not have', async () => {
      await expect(
        evaluate(ledger, people.doctorA, (c) => directory.ListPractitioners(c, 'NoSuchMSP')),
      ).rejects.toThrow(/^NOT_FOUND: NoSuchMSP is not a member of the consortium/);
    });

    it('answers NOT_FOUND for an unknown patient', async () => {
      await expect(evaluate(ledger, people.doctorA, (c) => directory.GetPatient(c, 'PAT-NOPE'))).rejects.toThrow(
        /^NOT_FOUND/,
      );
    });
  });
});
