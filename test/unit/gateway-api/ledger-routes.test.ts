import request from 'supertest';
import { consortium, Harness } from './harness';

const MARKER = 'PHI-in-body-1234';

/** What the stand-in ledger answers, whole, as the chaincode writes them (the gateway checks every answer). */
const CONSENT = {
  consentId: 'CON-1',
  patientId: 'PAT-1',
  grantee: { mspId: 'HospitalBMSP' },
  categories: ['diagnosis'],
  purpose: 'treatment',
  validFrom: '2026-01-01T00:00:00.000Z',
  validUntil: '2026-12-01T00:00:00.000Z',
  status: 'active',
  createdAt: '2026-01-01T00:00:00.000Z',
};
const header = (custodian: string) => ({
  recordId: 'REC-1',
  patientId: 'PAT-1',
  category: 'diagnosis',
  custodian,
  author: 'DOC-1',
  source: 'clinician',
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  contentHash: 'a'.repeat(64),
  purged: false,
});

describe('ledger resources over HTTP', () => {
  let h: Harness;
  let admin: string;

  beforeEach(async () => {
    h = new Harness();
    admin = await h.adminToken();
  });

  it("acts with the user's own identity: a patient's consent is signed with the patient's key", async () => {
    const patient = await h.user(admin, 'alice', 'patient');
    const mark = h.port.calls.length;
    h.port.answers.set('Grant', CONSENT);
    const grant = {
      grantee: { mspId: 'HospitalBMSP' },
      categories: ['diagnosis'],
      purpose: 'treatment',
      validUntil: '2026-12-01T00:00:00Z',
    };
    const res = await request(h.app)
      .post('/v1/consents')
      .set('authorization', `Bearer ${patient}`)
      .send(grant)
      .expect(201);
    // The block of its commit: the stand-in's last one.
    const committedBlock = Number(h.port.height() - 1n);
    expect(res.body).toEqual({ txId: `tx-${String(mark + 1)}`, ...CONSENT, committedBlock });
    expect(res.headers['ehr-committed-block']).toBe(String(committedBlock));
    const [{ identity, call }] = h.port.since(mark) as [(typeof h.port.calls)[number]];
    const alice = h.enrolmentIdOf('alice');
    expect(identity).toEqual({ mspId: 'HospitalAMSP', certPem: `CERT OF ${alice}`, keyPem: `PRIVATE KEY OF ${alice}` });
    // A creating transaction carries a request key (random without Idempotency-Key), and its id is
    // told to the request's journal before it goes to the orderers.
    expect(call).toEqual({
      contract: 'consent',
      fn: 'Grant',
      args: [JSON.stringify(grant)],
      transient: { requestKey: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/) },
      sending: expect.any(Function),
    });
  });

  it("sends a record body only in the transient map, endorsed by the doctor's own member, then publishes the header", async () => {
    const doctor = await h.user(admin, 'drwho', 'doctor');
    const mark = h.port.calls.length;
    const stored = { recordId: 'REC-1', version: 1, contentHash: 'a'.repeat(64) };
    h.port.answers.set('CreateBody', stored);
    h.port.answers.set('Publish', stored);
    const res = await request(h.app)
      .post('/v1/records')
      .set('authorization', `Bearer ${doctor}`)
      .send({ patientId: 'PAT-1', category: 'diagnosis', body: { diagnosis: MARKER } })
      .expect(201);
    expect(res.body).toEqual({
      txId: `tx-${String(mark + 2)}`,
      recordId: 'REC-1',
      version: 1,
      contentHash: 'a'.repeat(64),
      // The block of the second step (the header), after which a reader finds the record.
      committedBlock: Number(h.port.height() - 1n),
    });
    const [create, publish] = h.port.since(mark).map((c) => c.call);
    expect(create).toEqual({
      contract: 'records',
      fn: 'CreateBody',
      args: ['PAT-1', 'diagnosis'],
      transient: {
        body: JSON.stringify({ diagnosis: MARKER }),
        salt: expect.stringMatching(/^[0-9a-f]{32}$/),
        requestKey: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
      },
      orgs: ['HospitalAMSP'],
      sending: expect.any(Function),
    });
    expect(publish).toEqual({
      contract: 'records',
      fn: 'Publish',
      args: ['REC-1', 'PAT-1', 'diagnosis', '1', 'a'.repeat(64)],
      sending: expect.any(Function),
    });
    expect(JSON.stringify(h.port.calls.map((c) => c.call.args))).not.toContain(MARKER);
    // Between the two steps the body's transaction is awaited on the other members' peers,
    // which endorse the header and check the body's hash.
    expect(h.port.settled).toEqual([{ txId: `tx-${String(mark + 1)}`, afterCalls: mark + 1 }]);
  });

  it('settles only before a second step: a feedback without a comment waits for no one', async () => {
    const patient = await h.user(admin, 'alice', 'patient');
    h.port.answers.set('GiveFeedback', {
      appointmentId: 'APT-1',
      practitioner: { mspId: 'HospitalAMSP', practitionerId: 'DOC-1' },
      rating: 5,
      givenAt: '2026-01-01T00:00:00.000Z',
    });
    for (const comment of [undefined, 'kind']) {
      const mark = h.port.calls.length;
      const settledBefore = h.port.settled.length;
      await request(h.app)
        .post('/v1/appointments/APT-1/feedback')
        .set('authorization', `Bearer ${patient}`)
        .send({ rating: 5, ...(comment ? { comment } : {}) })
        .expect(201);
      expect(h.port.settled.slice(settledBefore)).toEqual(
        comment ? [{ txId: `tx-${String(mark + 1)}`, afterCalls: mark + 1 }] : [],
      );
    }
  });

  it('sends a fresh random salt with every write of private data, and reads values back without it', async () => {
    const doctor = await h.user(admin, 'drwho', 'doctor');
    const stored = { recordId: 'REC-1', version: 1, contentHash: 'a'.repeat(64) };
    h.port.answers.set('CreateBody', stored);
    h.port.answers.set('Publish', stored);
    for (const diagnosis of ['one', 'two']) {
      await request(h.app)
        .post('/v1/records')
        .set('authorization', `Bearer ${doctor}`)
        .send({ patientId: 'PAT-1', category: 'diagnosis', body: { diagnosis } })
        .expect(201);
    }
    const salts = h.port.calls.filter((c) => c.call.fn === 'CreateBody').map((c) => c.call.transient?.salt);
    expect(salts).toEqual([expect.stringMatching(/^[0-9a-f]{32}$/), expect.stringMatching(/^[0-9a-f]{32}$/)]);
    expect(salts[0]).not.toBe(salts[1]);
    h.port.answers.set('Get', header('HospitalAMSP'));
    h.port.answers.set('ReadBody', { diagnosis: 'x', salt: 'b'.repeat(32) });
    await request(h.app)
      .get('/v1/records/REC-1/body/tx-9')
      .set('authorization', `Bearer ${doctor}`)
      .expect(200, { diagnosis: 'x' });
  });

  it('refuses to pass on a ledger answer that does not follow the protocol, and shows none of it', async () => {
    const patient = await h.user(admin, 'alice', 'patient');
    h.port.answers.set('Grant', { ...CONSENT, purpose: 'marketing', patientId: MARKER });
    const res = await request(h.app)
      .post('/v1/consents')
      .set('authorization', `Bearer ${patient}`)
      .send({
        grantee: { mspId: 'HospitalBMSP' },
        categories: ['diagnosis'],
        purpose: 'treatment',
        validUntil: '2026-12-01T00:00:00Z',
      })
      .expect(500);
    expect(res.body).toEqual({ error: { code: 'INTERNAL', message: 'internal error' } });
    expect(res.text).not.toContain(MARKER);
  });

  it("reads a body from the custodian's peer", async () => {
    const doctor = await h.user(admin, 'drwho', 'doctor');
    h.port.answers.set('Get', header('LabMSP'));
    h.port.answers.set('ReadBody', { diagnosis: 'x' });
    await request(h.app)
      .get('/v1/records/REC-1/body/tx-9')
      .set('authorization', `Bearer ${doctor}`)
      .expect(200, { diagnosis: 'x' });
    expect(h.port.calls.at(-1)?.call).toEqual({
      contract: 'access',
      fn: 'ReadBody',
      args: ['REC-1', 'tx-9'],
      orgs: ['LabMSP'],
    });
  });

  it('maps a chaincode refusal to its HTTP status and stable code', async () => {
    const doctor = await h.user(admin, 'drwho', 'doctor');
    h.port.failure = Object.assign(new Error('10 ABORTED'), {
      details: [{ message: 'chaincode response 500, CONSENT_REQUIRED: no lawful basis' }],
      transactionId: 'tx-77',
    });
    const res = await request(h.app)
      .post('/v1/records/REC-1/access')
      .set('authorization', `Bearer ${doctor}`)
      .send({ purpose: 'treatment' })
      .expect(403);
    expect(res.body).toEqual({ error: { code: 'CONSENT_REQUIRED', message: 'no lawful basis', txId: 'tx-77' } });
  });

  it('rejects bad input before it reaches the ledger', async () => {
    const doctor = await h.user(admin, 'drwho', 'doctor');
    const before = h.port.calls.length;
    await request(h.app)
      .post('/v1/records')
      .set('authorization', `Bearer ${doctor}`)
      .send({ patientId: 'PAT-1', category: 'astrology', body: {} })
      .expect(400);
    await request(h.app)
      .post('/v1/records')
      .set('authorization', `Bearer ${doctor}`)
      .send({ patientId: 7, category: 'diagnosis' })
      .expect(400);
    await request(h.app)
      .post('/v1/break-glass')
      .set('authorization', `Bearer ${doctor}`)
      .send({ patientId: 'PAT-1', reasonCode: 'other', minutes: 5000 })
      .expect(400);
    // An empty id is no id: `/v1/records/` is not the list route beside it.
    for (const path of ['/v1/records/', '/v1/bills/', '/v1/patients//records']) {
      const res = await request(h.app).get(path).set('authorization', `Bearer ${doctor}`).expect(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
    expect(h.port.calls.length).toBe(before);
  });

  it('executes a retried write once per Idempotency-Key and refuses the key for another request', async () => {
    const patient = await h.user(admin, 'alice', 'patient');
    h.port.answers.set('Grant', CONSENT);
    const grant = {
      grantee: { mspId: 'LabMSP' },
      categories: ['lab-result'],
      purpose: 'treatment',
      validUntil: '2026-12-01T00:00:00Z',
    };
    const send = (body: object) =>
      request(h.app)
        .post('/v1/consents')
        .set('authorization', `Bearer ${patient}`)
        .set('idempotency-key', 'retry-key-0001')
        .send(body);
    const first = await send(grant).expect(201);
    const second = await send(grant).expect(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(h.port.calls.filter((c) => c.call.fn === 'Grant')).toHaveLength(1);
    const reused = await send({ ...grant, purpose: 'research' }).expect(422);
    expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('enforces the roles of every route in the OpenAPI document (authorization matrix)', async () => {
    const tokens: Record<string, string> = { admin };
    for (const role of ['patient', 'doctor', 'billing']) tokens[role] = await h.user(admin, `${role}-user`, role);
    const doc = (await request(h.app).get('/openapi.json')).body as {
      paths: Record<string, Record<string, { 'x-roles': string[] }>>;
    };
    let checked = 0;
    for (const [routePath, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        // Public routes have no roles; signing out (every role may) would end the tokens used here.
        if (operation['x-roles'].length === 0 || routePath === '/v1/sessions/current') continue;
        for (const [role, token] of Object.entries(tokens)) {
          const agent = request(h.app);
          const verb = method as 'get' | 'post' | 'put' | 'delete';
          const call =
            verb === 'get'
              ? agent.get(routePath)
              : verb === 'post'
                ? agent.post(routePath)
                : verb === 'put'
                  ? agent.put(routePath)
                  : agent.delete(routePath);
          const res = await call.set('authorization', `Bearer ${token}`).send({});
          const allowed = operation['x-roles'].includes(role);
          expect({ route: `${method} ${routePath}`, role, forbidden: res.status === 403 }).toEqual({
            route: `${method} ${routePath}`,
            role,
            forbidden: !allowed,
          });
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(150);
  });

  it("publishes the member's profile with the gateway's own member kind, never one from the body", async () => {
    const { lab, chain } = consortium();
    const labAdmin = await lab.adminToken();
    const put = (body: object) =>
      request(lab.app).put('/v1/org/profile').set('authorization', `Bearer ${labAdmin}`).send(body);
    await put({ displayName: 'Lab', specialities: [], kind: 'hospital' }).expect(400);
    expect(chain.entries('org')).toEqual([]);
    const published = await put({ displayName: 'City Lab', specialities: ['haematology'] }).expect(200);
    expect(published.body).toEqual({
      txId: expect.any(String),
      mspId: 'LabMSP',
      kind: 'lab',
      displayName: 'City Lab',
      specialities: ['haematology'],
      committedBlock: expect.any(Number),
    });
    await put({ displayName: 'City Lab Ltd', specialities: ['haematology', 'microbiology'] }).expect(200);
    const directory = await request(lab.app).get('/v1/orgs').set('authorization', `Bearer ${labAdmin}`).expect(200);
    expect(directory.body).toEqual([
      {
        mspId: 'LabMSP',
        kind: 'lab',
        displayName: 'City Lab Ltd',
        specialities: ['haematology', 'microbiology'],
        updatedAt: expect.any(String),
      },
    ]);
  });
});
