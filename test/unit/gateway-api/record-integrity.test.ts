/**
 * The integrity check of a record recomputes the hash of the body the custodian stores, for a
 * caller at any member: only the custodian's peer holds the body, so the gateway asks that peer.
 * The ledger runs the real chaincode (chaincode-port.ts).
 */
import { consortium, type Harness } from './harness';

describe("a record's integrity check", () => {
  let chain: ReturnType<typeof consortium>['chain'];
  let a: Harness;
  let b: Harness;
  let doctorB: string;
  let recordId: string;

  beforeEach(async () => {
    ({ chain, hospitalA: a, hospitalB: b } = consortium());
    const adminA = await a.adminToken();
    const patient = await a.user(adminA, 'alice', 'patient');
    const doctorA = await a.user(adminA, 'drwho', 'doctor');
    doctorB = await b.user(await b.adminToken(), 'drb', 'doctor');
    const patientId = (await a.as(patient).get('/v1/me').expect(200)).body.attrs['ehr.patientId'] as string;
    const written = await a
      .as(doctorA)
      .post('/v1/records')
      .send({ patientId, category: 'diagnosis', body: { diagnosis: 'asthma' } })
      .expect(201);
    recordId = written.body.recordId as string;
  });

  it("checks the body on the custodian's peer when asked at another member, and sees it altered", async () => {
    const verify = async () =>
      (await b.as(doctorB).get(`/v1/records/${recordId}/integrity`).expect(200)).body as Record<string, unknown>;
    expect(await verify()).toMatchObject({ recordId, status: 'intact', checked: 'body' });
    const collection = '_implicit_org_HospitalAMSP';
    const [bodyKey] = [...chain.ledger.collection(collection).keys()].filter(
      (key) => key.includes(recordId) && key.includes('recordBody'),
    );
    chain.ledger.tamperPrivateData(collection, bodyKey ?? '', Buffer.from('{"diagnosis":"healthy"}'));
    expect(await verify()).toMatchObject({ recordId, status: 'mismatch', checked: 'body' });
  });
});
