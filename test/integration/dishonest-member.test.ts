/**
 * The trust model against a dishonest member (issue 12, attacks 1-6), on the real network. The
 * attacker controls its own CA, peer and admin: it issues itself any certificate attributes it
 * likes (`issueIdentity` registers them at its own CA) and chooses which peers endorse. Each test
 * performs the attack as written and shows it fails and changes nothing, and shows the honest
 * path beside it still works, so a test cannot pass because everything fails.
 */
import { createHash } from 'node:crypto';
import { CommitError, StatusCode } from '@hyperledger/fabric-gateway';
import { canonicalJson } from '../../chaincode/src/json';
import { chaincodeErrorCode, type Session } from '../../network/src/gateway';
import { json } from './helpers/calls';
import { approveErasure } from './helpers/erasure';
import {
  freshDoctor,
  freshPatient,
  issueIdentity,
  salted,
  session,
  text,
  uniqueTag,
  user,
  type IssuedIdentity,
} from './helpers/network';

const HA = 'HospitalAMSP';
const HB = 'HospitalBMSP';
const LAB = 'LabMSP';
const DAY = 86_400_000;

/** The chaincode error code (or commit status) a call fails with. */
async function refusal(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    if (error instanceof CommitError) {
      const name = Object.entries(StatusCode).find(([, code]) => code === error.code)?.[0];
      return `COMMIT_${name ?? String(error.code)}`;
    }
    return chaincodeErrorCode(error) ?? String(error);
  }
  throw new Error('expected the call to be refused');
}

const sha256 = (value: unknown) => createHash('sha256').update(canonicalJson(value)).digest('hex');

describe('a dishonest member cannot break the trust model', () => {
  const sessions: Session[] = [];
  const open = (orgName: string, entry: IssuedIdentity, peerOrg = orgName) => {
    const s = session(orgName, entry, peerOrg);
    sessions.push(s);
    return s;
  };
  const demo = (orgName: string, name: string) => open(orgName, user(orgName, name));

  let patient: IssuedIdentity & { patientId: string };
  let recordId: string;
  let contentHash: string;
  const body = { diagnosis: 'J45.20', notes: 'asthma review' };
  const demographics = { name: 'Ada Example', dateOfBirth: '1971-03-14' };

  /** Writes a body at hospital A for `patientId` and answers its id and hash (step 1 only). */
  const storeBody = async (doctor: Session, patientId: string, category = 'diagnosis') =>
    json<{ recordId: string; contentHash: string }>(
      doctor.contract('records').submit('CreateBody', {
        arguments: [patientId, category],
        transientData: salted({ body: JSON.stringify(body) }),
        endorsingOrganizations: [HA],
      }),
    );

  beforeAll(async () => {
    patient = await freshPatient('hospital-a', 'DM', demographics);
    const doctorA = demo('hospital-a', 'doctor1');
    ({ recordId, contentHash } = await storeBody(doctorA, patient.patientId));
    await doctorA
      .contract('records')
      .submitTransaction('Publish', recordId, patient.patientId, 'diagnosis', '1', contentHash);
  });

  afterAll(() => {
    for (const s of sessions) s.close();
  });

  describe('attack 1: roles a member may not issue, a kind it gives itself, break-glass without limits', () => {
    it("refuses an insurer's own doctor: no break-glass window, no access to a hospital's record", async () => {
      const tag = uniqueTag('ROGUE');
      const rogue = open(
        'insurer',
        await issueIdentity('insurer', `doctor-${tag.toLowerCase()}`, {
          'ehr.role': 'doctor',
          'ehr.practitionerId': `DOC-IN-${tag}`,
        }),
      );
      expect(
        await refusal(rogue.contract('breakglass').submitTransaction('Open', patient.patientId, 'unconscious', '30')),
      ).toBe('FORBIDDEN');
      expect(await refusal(rogue.contract('access').submitTransaction('RequestAccess', recordId, 'treatment'))).toBe(
        'FORBIDDEN',
      );
      // A hospital's doctor doing the same is let in: the refusal is about who issued the role.
      const honest = open('hospital-b', await freshDoctor('hospital-b', 'DM1'));
      await honest.contract('breakglass').submitTransaction('Open', patient.patientId, 'unconscious', '30');
    });

    it("refuses a hospital's own adjuster and a lab registering patients", async () => {
      const tag = uniqueTag('ROGUE');
      const adjuster = open(
        'hospital-b',
        await issueIdentity('hospital-b', `adjuster-${tag.toLowerCase()}`, { 'ehr.role': 'adjuster' }),
      );
      const terms = {
        plan: 'gold',
        coverage: { diagnosis: 80 },
        copayPercent: 10,
        annualLimit: 10_000,
        validFrom: new Date(Date.now() - DAY).toISOString(),
        validUntil: new Date(Date.now() + 300 * DAY).toISOString(),
      };
      expect(
        await refusal(
          adjuster.contract('policies').submitTransaction('Issue', patient.patientId, JSON.stringify(terms)),
        ),
      ).toBe('FORBIDDEN');
      const labAdmin = demo('lab', 'admin');
      const stored = labAdmin.contract('directory').submit('StoreDemographics', {
        arguments: [`PAT-LB-${tag}`],
        transientData: salted({ demographics: JSON.stringify(demographics) }),
        endorsingOrganizations: [LAB],
      });
      expect(await refusal(stored)).toBe('FORBIDDEN');
      // The insurer's own adjuster issues the same policy.
      await demo('insurer', 'adjuster1')
        .contract('policies')
        .submitTransaction('Issue', patient.patientId, JSON.stringify(terms));
    });

    it('keeps a member from making itself a hospital: its own approval proposes, nothing more', async () => {
      const labAdmin = demo('lab', 'admin');
      const directory = labAdmin.contract('directory');
      // The first run proposes; later runs find the lab's approval there already.
      const first = await directory
        .submitTransaction('ApproveMemberKind', LAB, 'hospital')
        .then((answer) => (JSON.parse(text(answer)) as { approvals?: unknown[] }).approvals?.length)
        .catch((error: unknown) => chaincodeErrorCode(error));
      expect([1, 'ALREADY_EXISTS']).toContainEqual(first);
      expect(await refusal(directory.submitTransaction('ApproveMemberKind', LAB, 'hospital'))).toBe('ALREADY_EXISTS');
      // Its peer alone cannot endorse a change of kind either.
      const alone = directory.submit('ApproveMemberKind', {
        arguments: [LAB, 'insurer'],
        endorsingOrganizations: [LAB],
      });
      expect(await refusal(alone)).toBe('COMMIT_ENDORSEMENT_POLICY_FAILURE');
      const profile = await json<{ kind?: string }>(directory.evaluateTransaction('GetOrgProfile', LAB));
      expect(profile.kind).toBe('lab');
      const ward = JSON.stringify({ ward: 'ICU', specialty: 'intensive-care', total: 4, occupied: 2 });
      expect(await refusal(directory.submitTransaction('PublishBeds', ward))).toBe('FORBIDDEN');
      await demo('hospital-a', 'admin').contract('directory').submitTransaction('PublishBeds', ward);
    });

    it('limits break-glass per doctor and patient: at most 4 hours, one open window at a time', async () => {
      const doctor = open('hospital-b', await freshDoctor('hospital-b', 'DM2'));
      const target = await freshPatient('hospital-a', 'DMBG');
      const breakglass = doctor.contract('breakglass');
      expect(await refusal(breakglass.submitTransaction('Open', target.patientId, 'unconscious', '1440'))).toBe(
        'INVALID_ARGUMENT',
      );
      await breakglass.submitTransaction('Open', target.patientId, 'unconscious', '240');
      expect(await refusal(breakglass.submitTransaction('Open', target.patientId, 'unconscious', '30'))).toBe(
        'CONFLICT',
      );
    });
  });

  describe('attack 2: a second certificate for the same patient', () => {
    it("refuses the home member's second patient certificate: no link, no consent, no read", async () => {
      const mallory = open(
        'hospital-a',
        await issueIdentity('hospital-a', `mallory-${uniqueTag('M').toLowerCase()}`, {
          'ehr.role': 'patient',
          'ehr.patientId': patient.patientId,
        }),
      );
      expect(await refusal(mallory.contract('directory').submitTransaction('LinkPatientCertificate'))).toBe(
        'FORBIDDEN',
      );
      const grant = {
        grantee: { mspId: HB },
        categories: ['diagnosis'],
        purpose: 'treatment',
        validUntil: new Date(Date.now() + DAY).toISOString(),
      };
      expect(await refusal(mallory.contract('consent').submitTransaction('Grant', JSON.stringify(grant)))).toBe(
        'FORBIDDEN',
      );
      // Not the patient: mallory has no basis of its own, so the read needs a consent.
      expect(await refusal(mallory.contract('access').submitTransaction('RequestAccess', recordId, 'treatment'))).toBe(
        'CONSENT_REQUIRED',
      );
      // The patient's own, bound certificate does all of it.
      const real = open('hospital-a', patient);
      await real.contract('consent').submitTransaction('Grant', JSON.stringify(grant));
      const ticket = await json<{ basis: string }>(
        real.contract('access').submitTransaction('RequestAccess', recordId, 'treatment'),
      );
      expect(ticket.basis).toBe('patient');
    });
  });

  describe("attack 3: claims for another member's records", () => {
    it("refuses hospital B's claim for hospital A's record, and a patient naming a non-member as provider", async () => {
      const terms = {
        plan: 'gold',
        coverage: { diagnosis: 80 },
        copayPercent: 10,
        annualLimit: 10_000,
        validFrom: new Date(Date.now() - DAY).toISOString(),
        validUntil: new Date(Date.now() + 300 * DAY).toISOString(),
      };
      const { policyId } = await json<{ policyId: string }>(
        demo('insurer', 'adjuster1')
          .contract('policies')
          .submitTransaction('Issue', patient.patientId, JSON.stringify(terms)),
      );
      const claim = (amount: number) => ({
        policyId,
        patientId: patient.patientId,
        serviceDate: new Date().toISOString(),
        lines: [{ recordId, contentHash, category: 'diagnosis', amount }],
      });
      const billingB = demo('hospital-b', 'billing1');
      expect(await refusal(billingB.contract('claims').submitTransaction('Submit', JSON.stringify(claim(500))))).toBe(
        'FORBIDDEN',
      );
      const byPatient = { ...claim(500), provider: 'NobodyMSP' };
      const patientSession = open('hospital-a', patient);
      expect(
        await refusal(patientSession.contract('claims').submitTransaction('Submit', JSON.stringify(byPatient))),
      ).toBe('FORBIDDEN');
      // The custodian's own claim is not a DUPLICATE of anything.
      const honest = await json<{ claimId: string; status: string }>(
        demo('hospital-a', 'billing1')
          .contract('claims')
          .submitTransaction('Submit', JSON.stringify(claim(500))),
      );
      expect(honest.status).toBe('submitted');
    });
  });

  describe('attack 4: dictionary attacks on public hashes', () => {
    it('gives no member a way to confirm a guessed name and birth date or a diagnosis from the public hashes', async () => {
      const admin = demo('hospital-b', 'admin');
      const entry = await json<{ demographicsHash: string }>(
        admin.contract('directory').evaluateTransaction('GetPatient', patient.patientId),
      );
      // The guesses are right; unsalted, their hashes would equal the public ones.
      expect(entry.demographicsHash).toMatch(/^[0-9a-f]{64}$/);
      expect(entry.demographicsHash).not.toBe(sha256({ patientId: patient.patientId, ...demographics }));
      expect(contentHash).not.toBe(sha256(body));
      // And no private write goes in without a salt.
      const doctorA = demo('hospital-a', 'doctor1');
      const unsalted = doctorA.contract('records').submit('CreateBody', {
        arguments: [patient.patientId, 'diagnosis'],
        transientData: { body: JSON.stringify(body) },
        endorsingOrganizations: [HA],
      });
      expect(await refusal(unsalted)).toBe('INVALID_ARGUMENT');
    });
  });

  describe('attack 5: treating-staff reads without care', () => {
    it("flags a custodian's doctor reading a patient they have no care relationship with, until care is assigned", async () => {
      const doctor = await freshDoctor('hospital-a', 'DM5');
      const reader = open('hospital-a', doctor);
      const first = await json<{ ticketId: string; basis: string; flagged: boolean }>(
        reader.contract('access').submitTransaction('RequestAccess', recordId, 'treatment'),
      );
      expect(first).toMatchObject({ basis: 'treating-staff', flagged: true });
      const admin = demo('hospital-a', 'admin');
      const flagged = await json<{ items: { ticketId?: string; reader?: { practitionerId?: string } }[] }>(
        admin.contract('access').evaluateTransaction('ListFlaggedReads', '100', ''),
      );
      expect(JSON.stringify(flagged.items)).toContain(doctor.practitionerId);
      await admin.contract('directory').submitTransaction('AssignCare', doctor.practitionerId, patient.patientId);
      const second = await json<{ basis: string; flagged: boolean }>(
        reader.contract('access').submitTransaction('RequestAccess', recordId, 'treatment'),
      );
      expect(second).toMatchObject({ basis: 'treating-staff', flagged: false });
    });
  });

  describe('attack 6: the smaller ones', () => {
    it('reviews a break-glass window once: a second review cannot rewrite it', async () => {
      const doctor = open('hospital-b', await freshDoctor('hospital-b', 'DM6'));
      const target = await freshPatient('hospital-a', 'DMRV');
      const { breakGlassId } = await json<{ breakGlassId: string }>(
        doctor.contract('breakglass').submitTransaction('Open', target.patientId, 'unconscious', '30'),
      );
      const admin = demo('hospital-a', 'admin').contract('breakglass');
      await admin.submitTransaction('Review', target.patientId, breakGlassId, 'unjustified');
      expect(await refusal(admin.submitTransaction('Review', target.patientId, breakGlassId, 'justified'))).toBe(
        'CONFLICT',
      );
    });

    it('publishes a body only under the patient and category it was stored for', async () => {
      const doctorA = demo('hospital-a', 'doctor1');
      const other = await freshPatient('hospital-a', 'DMPB');
      const stored = await storeBody(doctorA, other.patientId);
      const records = doctorA.contract('records');
      for (const [patientId, category] of [
        [patient.patientId, 'diagnosis'],
        [other.patientId, 'allergy'],
      ] as const) {
        expect(
          await refusal(
            records.submitTransaction('Publish', stored.recordId, patientId, category, '1', stored.contentHash),
          ),
        ).toBe('HASH_MISMATCH');
      }
      await records.submitTransaction(
        'Publish',
        stored.recordId,
        other.patientId,
        'diagnosis',
        '1',
        stored.contentHash,
      );
    });

    it('books appointments with doctors only, and grants consent for at most two years', async () => {
      const patientSession = open('hospital-a', patient);
      const slot = new Date(Date.now() + 2 * DAY + Math.floor(Math.random() * 1e6) * 60_000).toISOString();
      expect(
        await refusal(patientSession.contract('appointments').submitTransaction('Request', LAB, 'LAB-LB-0001', slot)),
      ).toBe('INVALID_ARGUMENT');
      const grant = (days: number) =>
        JSON.stringify({
          grantee: { mspId: HB },
          categories: ['diagnosis'],
          purpose: 'treatment',
          validUntil: new Date(Date.now() + days * DAY).toISOString(),
        });
      expect(await refusal(patientSession.contract('consent').submitTransaction('Grant', grant(3650)))).toBe(
        'INVALID_ARGUMENT',
      );
      await patientSession.contract('consent').submitTransaction('Grant', grant(700));
    });

    it("lets no admin of a member that holds nothing approve another member's erasure request", async () => {
      const erased = await freshPatient('hospital-a', 'DMER');
      const { requestId, required } = await json<{ requestId: string; required: string[] }>(
        open('hospital-a', erased).contract('erasure').submitTransaction('Request'),
      );
      expect(required).toEqual([HA]);
      expect(
        await refusal(
          approveErasure(demo('insurer', 'admin').contract('erasure'), 'InsurerMSP', erased.patientId, requestId),
        ),
      ).toBe('FORBIDDEN');
      const approved = await json<{ status: string }>(
        approveErasure(demo('hospital-a', 'admin').contract('erasure'), HA, erased.patientId, requestId),
      );
      expect(approved.status).toBe('approved');
    });
  });
});
