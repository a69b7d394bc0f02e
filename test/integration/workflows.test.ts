/**
 * The consortium's daily workflows on the real network (issue 4): lab order journey,
 * appointment journey, policy → claim → adjudication → payment, and the insurer's own peer
 * being required for adjudication.
 */
import { CommitError, StatusCode } from '@hyperledger/fabric-gateway';
import { chaincodeErrorCode, type Session } from '../../network/src/gateway';
import { json } from './helpers/calls';
import { freshPatient, type IssuedIdentity, salted, session, text, user } from './helpers/network';

const HA = 'HospitalAMSP';
const LAB = 'LabMSP';

describe('workflows as endorsed transactions', () => {
  const sessions: Session[] = [];
  // Hospital A's patient of this run: claims, appointments and policies of earlier runs or other
  // suites (duplicates, annual limits, booked slots) must not decide these outcomes.
  let PATIENT_A: string;
  let patientUser: IssuedIdentity;
  const as = (orgName: string, userName: string, peerOrg = orgName) => {
    const entry = userName === 'patient' ? patientUser : user(orgName, userName);
    const s = session(orgName, entry, peerOrg);
    sessions.push(s);
    return s;
  };

  beforeAll(async () => {
    patientUser = await freshPatient('hospital-a', 'WF');
    PATIENT_A = patientUser.attrs['ehr.patientId'] ?? '';
  });

  afterAll(() => {
    for (const s of sessions) s.close();
  });

  it('runs order → accept → result, and the ordering doctor and the patient read it', async () => {
    const doctor = as('hospital-a', 'doctor1');
    const lab = as('lab', 'labtech1');
    const orders = doctor.contract('laborders');
    const stored = await json<{ orderId: string; detailsHash: string }>(
      orders.submit('StoreDetails', {
        arguments: [PATIENT_A, LAB],
        transientData: salted({ details: JSON.stringify({ tests: [{ code: 'CBC', name: 'full blood count' }] }) }),
        endorsingOrganizations: [HA, LAB],
      }),
    );
    await orders.submitTransaction('Create', stored.orderId, PATIENT_A, LAB, 'urgent', stored.detailsHash);
    await lab.contract('laborders').submitTransaction('Accept', stored.orderId);
    await lab.contract('laborders').submitTransaction('Start', stored.orderId);
    const result = await json<{ recordId: string; contentHash: string }>(
      lab.contract('laborders').submit('StoreResultBody', {
        arguments: [stored.orderId],
        transientData: salted({ body: JSON.stringify({ diagnosis: 'Hb 13.5 g/dL' }) }),
        endorsingOrganizations: [LAB],
      }),
    );
    await lab
      .contract('laborders')
      .submitTransaction('PublishResult', stored.orderId, result.recordId, result.contentHash);

    for (const [orgName, userName, basis] of [
      ['hospital-a', 'doctor1', 'ordering-doctor'],
      ['hospital-a', 'patient', 'patient'],
    ] as const) {
      const reader = as(orgName, userName, 'lab');
      const ticket = await json<{ ticketId: string; basis: string }>(
        reader.contract('access').submitTransaction('RequestAccess', result.recordId, 'treatment'),
      );
      expect(ticket.basis).toBe(basis);
      const body = await reader
        .contract('access')
        .evaluate('ReadBody', { arguments: [result.recordId, ticket.ticketId], endorsingOrganizations: [LAB] });
      expect(text(body)).toContain('Hb 13.5');
    }
  });

  it('runs appointment → confirm → complete → feedback', async () => {
    const patient = as('hospital-a', 'patient');
    const doctor = as('hospital-a', 'doctor1');
    const slot = new Date(Date.now() + 86_400_000 + Math.floor(Math.random() * 1e6) * 60_000).toISOString();
    const appointment = await json<{ appointmentId: string }>(
      patient.contract('appointments').submitTransaction('Request', HA, 'DOC-HA-0001', slot),
    );
    await doctor.contract('appointments').submitTransaction('Confirm', appointment.appointmentId);
    await doctor.contract('appointments').submitTransaction('Complete', appointment.appointmentId);
    await patient.contract('appointments').submitTransaction('GiveFeedback', appointment.appointmentId, '5');
    const again = await patient
      .contract('appointments')
      .submitTransaction('GiveFeedback', appointment.appointmentId, '4')
      .catch((e: unknown) => chaincodeErrorCode(e));
    expect(again).toBe('ALREADY_EXISTS');
  });

  describe('insurance', () => {
    let recordId: string;
    let contentHash: string;
    let policyId: string;
    const adjuster = () => as('insurer', 'adjuster1');
    const billing = () => as('hospital-a', 'billing1');

    beforeAll(async () => {
      const doctor = as('hospital-a', 'doctor1');
      const stored = await json<{ recordId: string; contentHash: string }>(
        doctor.contract('records').submit('CreateBody', {
          arguments: [PATIENT_A, 'diagnosis'],
          transientData: salted({ body: JSON.stringify({ diagnosis: 'J45.20' }) }),
          endorsingOrganizations: [HA],
        }),
      );
      ({ recordId, contentHash } = stored);
      await doctor.contract('records').submitTransaction('Publish', recordId, PATIENT_A, 'diagnosis', '1', contentHash);
      const year = new Date().getUTCFullYear();
      const terms = {
        plan: 'gold',
        coverage: { diagnosis: 80 },
        copayPercent: 10,
        annualLimit: 10_000,
        validFrom: `${year - 1}-01-01T00:00:00Z`,
        validUntil: `${year + 1}-01-01T00:00:00Z`,
      };
      policyId = (
        await json<{ policyId: string }>(
          adjuster().contract('policies').submitTransaction('Issue', PATIENT_A, JSON.stringify(terms)),
        )
      ).policyId;
    });

    const submitClaim = async (amount: number, hash = contentHash) => {
      const claim = {
        policyId,
        patientId: PATIENT_A,
        serviceDate: new Date().toISOString(),
        lines: [{ recordId, contentHash: hash, category: 'diagnosis', amount }],
      };
      return (
        await json<{ claimId: string }>(billing().contract('claims').submitTransaction('Submit', JSON.stringify(claim)))
      ).claimId;
    };
    const adjudicate = (claimId: string) =>
      json<{ status: string; adjudication: { approvedAmount: number; reasons: string[] } }>(
        adjuster().contract('claims').submitTransaction('Adjudicate', claimId),
      );

    it('invalidates an adjudication endorsed only by a hospital peer; the claim keeps its state', async () => {
      const claimId = await submitClaim(1_000, 'e'.repeat(64));
      const error: unknown = await adjuster()
        .contract('claims')
        .submit('Adjudicate', { arguments: [claimId], endorsingOrganizations: [HA, 'HospitalBMSP', LAB] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CommitError);
      expect((error as CommitError).code).toBe(StatusCode.ENDORSEMENT_POLICY_FAILURE);
      const claim = await json<{ status: string }>(billing().contract('claims').evaluateTransaction('Get', claimId));
      expect(claim.status).toBe('submitted');
      // The same adjudication endorsed on the insurer's own peer goes through (and rejects the bad hash).
      expect(await adjudicate(claimId)).toMatchObject({
        status: 'rejected',
        adjudication: { reasons: ['HASH_MISMATCH'] },
      });
    });

    it('runs claim → adjudicate (partly, over the annual limit) → pay; a duplicate is rejected', async () => {
      const claimId = await submitClaim(20_000);
      const decided = await adjudicate(claimId);
      expect(decided).toMatchObject({
        status: 'partially-approved',
        adjudication: { approvedAmount: 10_000, reasons: ['LIMIT_EXCEEDED'] },
      });
      await adjuster().contract('claims').submitTransaction('RecordPayment', claimId, `PAY-${Date.now()}`);
      const duplicate = await submitClaim(500);
      expect(await adjudicate(duplicate)).toMatchObject({
        status: 'rejected',
        adjudication: { reasons: ['DUPLICATE'] },
      });
      const mine = await json<{ items: { claimId: string; status: string }[] }>(
        as('hospital-a', 'patient').contract('claims').evaluateTransaction('ListMine', '100', ''),
      );
      expect(mine.items.find((c) => c.claimId === claimId)?.status).toBe('paid');
    });
  });
});
