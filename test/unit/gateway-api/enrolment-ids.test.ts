/**
 * A login name is not an identity on the ledger: the gateway registers and enrols users at the
 * member's CA under random enrolment ids and keeps the mapping itself, so no certificate, and no
 * access event or other public value the chaincode records with the certificate's subject,
 * links a username to a patient id.
 */
import type { ChaincodePort } from './chaincode-port';
import { consortium, type Harness } from './harness';

describe('enrolment ids at the CA', () => {
  let h: Harness;
  let chain: ChaincodePort;
  let admin: string;

  beforeEach(async () => {
    ({ hospitalA: h, chain } = consortium());
    admin = await h.adminToken();
  });

  it('registers users under random ids: no CA registration, certificate or public value carries a username', async () => {
    const alice = await h.user(admin, 'alice.smith', 'patient');
    // The licence number is the admin's choice; it is not the username here.
    await h.invite(admin, 'gregory.house', 'doctor', { practitioner: { licenceNo: 'GMC-7' } }).expect(201);
    const doctor = await h.activate('gregory.house', h.enrolmentCode('gregory.house'));
    const patientId = ((await h.as(alice).get('/v1/me').expect(200)).body as { attrs: Record<string, string> }).attrs[
      'ehr.patientId'
    ];
    const record = await h
      .as(doctor)
      .post('/v1/records')
      .send({ patientId, category: 'diagnosis', body: { diagnosis: 'J45.20' } })
      .expect(201);
    // Alice reads her record: the access event records who read it, as the certificate names them.
    await h
      .as(alice)
      .post(`/v1/records/${String(record.body.recordId)}/access`)
      .send({ purpose: 'treatment' })
      .expect(201);

    const usernames = ['alice.smith', 'gregory.house'];
    const registered = [...h.ca.registered.entries()].map(([name, { registration }]) => ({
      name,
      certificate: `CERT OF ${name}`,
      attrs: registration.attrs,
    }));
    expect(registered).toHaveLength(2);
    for (const entry of registered) {
      expect(entry.name).toMatch(/^u[0-9a-f]{32}$/);
      for (const username of usernames) expect(JSON.stringify(entry)).not.toContain(username);
    }
    // Transaction arguments (PHI goes in the transient map, which no block keeps) and public state.
    const args = h.port.calls.map((c) => JSON.stringify(c.call.args ?? [])).join('\n');
    const publicState = [...chain.ledger.state.values()].map((v) => Buffer.from(v).toString('utf8')).join('\n');
    expect(publicState).toContain(patientId);
    expect(publicState).toContain(registered[0]?.name);
    for (const username of usernames) {
      expect(publicState).not.toContain(username);
      expect(args).not.toContain(username);
    }
    // The admin sees which enrolment id each user has (to find their certificate at the CA).
    const listed = (await h.as(admin).get('/v1/users').expect(200)).body as {
      items: { username: string; enrollmentId?: string }[];
    };
    expect(listed.items.filter((u) => u.enrollmentId).map((u) => [u.username, u.enrollmentId])).toEqual([
      ['alice.smith', h.enrolmentIdOf('alice.smith')],
      ['gregory.house', h.enrolmentIdOf('gregory.house')],
    ]);
    expect(registered.map((r) => r.name).sort()).toEqual(
      [h.enrolmentIdOf('alice.smith'), h.enrolmentIdOf('gregory.house')].sort(),
    );
  });

  it('gives every invitation its own id, also a retried one', async () => {
    h.ca.failure = new Error('connect ECONNREFUSED');
    await h.invite(admin, 'carol', 'billing').expect(500);
    h.ca.failure = undefined;
    await h.invite(admin, 'carol', 'billing').expect(201);
    await h.invite(admin, 'dave', 'billing').expect(201);
    const ids = [h.enrolmentIdOf('carol'), h.enrolmentIdOf('dave')];
    expect(new Set(ids).size).toBe(2);
    expect([...h.ca.registered.keys()].sort()).toEqual([...ids].sort());
  });
});
