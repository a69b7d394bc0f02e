/**
 * Secure messages at the patient's home hospital's gateway, over the real chaincode
 * (chaincode-port.ts): the store seals them at rest; the patient writes and reads freely; a
 * doctor takes part only under a lawful basis the ledger gives (each opening an access event the
 * patient sees); the admin reads only with a stated purpose; erasure deletes them; the parties'
 * event streams are told of new messages without PHI.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileMessageStore } from '../../../gateway-api/src/messages';
import { consortium, type Harness } from './harness';
import { LiveSource, openStream, serve, until } from './live-events';

const MARKER = 'Wheezing at night since Tuesday (msg-marker-5e1d)';

interface View {
  conversation: {
    conversationId: string;
    patientId: string;
    with: { kind: string; practitionerId?: string };
    messages: { from: { role: string; id: string }; text: string }[];
  };
  access?: { basis: string; purpose: string; recorded: boolean };
  committedBlock?: number;
}

describe('secure messages', () => {
  let a: Harness;
  let b: Harness;
  let admin: string;
  let patient: string;
  let doctor: string;
  let otherDoctor: string;
  let patientId: string;
  let practitionerId: string;
  let events: LiveSource;

  beforeEach(async () => {
    events = new LiveSource();
    ({ hospitalA: a, hospitalB: b } = consortium({ events }));
    admin = await a.adminToken();
    patient = await a.user(admin, 'alice', 'patient');
    doctor = await a.user(admin, 'drwho', 'doctor');
    otherDoctor = await a.user(admin, 'drno', 'doctor');
    patientId = (await a.as(patient).get('/v1/me').expect(200)).body.attrs['ehr.patientId'] as string;
    practitionerId = (await a.as(doctor).get('/v1/me').expect(200)).body.attrs['ehr.practitionerId'] as string;
  });

  const assign = () => a.as(admin).put(`/v1/patients/${patientId}/care-team/${practitionerId}`).expect(200);
  const writeToDoctor = async (text = MARKER) =>
    (await a.as(patient).post('/v1/conversations').send({ practitionerId, text }).expect(201)).body as View;
  const read = (token: string, conversationId: string, body: object = {}) =>
    a.as(token).post(`/v1/conversations/${conversationId}/read`).send(body);
  const accessLog = async () =>
    (await a.as(patient).get('/v1/access-log').expect(200)).body.items as {
      resource: string;
      basis: string;
      purpose: string;
      reader: { role: string };
    }[];

  it('keeps every conversation sealed in the data folder, readable again only with the key', async () => {
    const { conversation } = await writeToDoctor();
    const file = readFileSync(path.join(a.dir, 'messages.json'), 'utf8');
    for (const clear of [MARKER, 'msg-marker', patientId, practitionerId]) expect(file).not.toContain(clear);
    const reopened = fileMessageStore(a.dir, Buffer.alloc(32, 7));
    expect(reopened.get(conversation.conversationId)?.messages.map((m) => m.text)).toEqual([MARKER]);
    expect(() => fileMessageStore(a.dir, Buffer.alloc(32, 8))).toThrow();
  });

  it("lets the patient write to a doctor, and the doctor read and answer only while on the patient's care team", async () => {
    const { conversation } = await writeToDoctor();
    expect(conversation).toMatchObject({ patientId, with: { kind: 'doctor', practitionerId } });
    // Listed for the doctor (no text), but not readable without a lawful basis; nothing is audited then.
    const listed = await a.as(doctor).get('/v1/conversations').expect(200);
    expect(listed.body.items).toEqual([
      expect.objectContaining({ conversationId: conversation.conversationId, messageCount: 1, lastFrom: 'patient' }),
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(MARKER);
    const refused = await read(doctor, conversation.conversationId).expect(403);
    expect(refused.body.error).toEqual({
      code: 'CONSENT_REQUIRED',
      message: expect.stringMatching(/no lawful basis to read the messages of patient .*not on their care team/),
    });

    await assign();
    const opened = (await read(doctor, conversation.conversationId).expect(200)).body as View;
    expect(opened.access).toEqual({
      ticketId: expect.any(String),
      basis: 'care',
      purpose: 'treatment',
      recorded: true,
    });
    expect(opened.committedBlock).toEqual(expect.any(Number));
    expect(opened.conversation.messages.map((m) => m.text)).toEqual([MARKER]);
    // The ticket serves the next reading, checked on the ledger again: no second access event.
    const again = (await read(doctor, conversation.conversationId).expect(200)).body as View;
    expect(again.access?.recorded).toBe(false);
    const answered = await a
      .as(doctor)
      .post(`/v1/conversations/${conversation.conversationId}/messages`)
      .send({ text: 'Come in tomorrow at nine.' })
      .expect(201);
    expect((answered.body as View).conversation.messages.map((m) => m.from)).toEqual([
      { role: 'patient', id: patientId },
      { role: 'doctor', id: practitionerId },
    ]);
    // The patient sees the doctor's opening in "who looked at my data", and reads without the ledger.
    expect(await accessLog()).toEqual([
      expect.objectContaining({
        resource: `messages:${patientId}`,
        basis: 'care',
        reader: expect.objectContaining({ role: 'doctor' }),
      }),
    ]);
    const mark = a.port.calls.length;
    const mine = (await read(patient, conversation.conversationId).expect(200)).body as View;
    expect(mine.access).toBeUndefined();
    expect(mine.conversation.messages).toHaveLength(2);
    expect(a.port.since(mark)).toEqual([]);
    // Her reply asks the ledger only whether she is still kept (not erased).
    const replied = await a
      .as(patient)
      .post(`/v1/conversations/${conversation.conversationId}/messages`)
      .send({ text: 'Thank you' })
      .expect(201);
    expect((replied.body as View).conversation.messages.map((m) => m.from.role)).toEqual([
      'patient',
      'doctor',
      'patient',
    ]);
    expect(a.port.since(mark).map((c) => c.call.fn)).toEqual(['GetPatient']);

    // Care ended: the held ticket is refused on the ledger at once, for reading and writing.
    await a.as(admin).delete(`/v1/patients/${patientId}/care-team/${practitionerId}`).expect(200);
    expect((await read(doctor, conversation.conversationId).expect(403)).body.error.code).toBe('CONSENT_REQUIRED');
    const late = await a
      .as(doctor)
      .post(`/v1/conversations/${conversation.conversationId}/messages`)
      .send({ text: 'one more thing' })
      .expect(403);
    expect(late.body.error.code).toBe('CONSENT_REQUIRED');
    expect(a.messages.get(conversation.conversationId)?.messages).toHaveLength(3);
  });

  it('refuses a doctor without a lawful basis who writes first, keeping nothing, and hides others’ conversations', async () => {
    const refused = await a.as(otherDoctor).post('/v1/conversations').send({ patientId, text: MARKER }).expect(403);
    expect(refused.body.error.code).toBe('CONSENT_REQUIRED');
    expect(a.messages.all()).toEqual([]);

    const { conversation } = await writeToDoctor();
    // Not a party: as if it did not exist, listed nowhere, and no writing.
    expect((await read(otherDoctor, conversation.conversationId).expect(404)).body.error.code).toBe('NOT_FOUND');
    expect((await a.as(otherDoctor).get('/v1/conversations').expect(200)).body.items).toEqual([]);
    const other = await a.user(admin, 'bob', 'patient');
    expect((await read(other, conversation.conversationId).expect(404)).body.error.code).toBe('NOT_FOUND');
    await a.as(other).post('/v1/conversations').send({ patientId, text: 'let me in' }).expect(403);
    // Another member's gateway keeps none of it.
    const adminB = await b.adminToken();
    expect((await b.as(adminB).get('/v1/conversations').expect(200)).body.items).toEqual([]);
    expect(
      (
        await b
          .as(adminB)
          .post(`/v1/conversations/${conversation.conversationId}/read`)
          .send({ purpose: 'treatment' })
          .expect(404)
      ).body.error.code,
    ).toBe('NOT_FOUND');
  });

  it('refuses bad messages and unknown doctors with a clear error, changing nothing', async () => {
    for (const body of [
      { practitionerId, text: '' },
      { practitionerId, text: '   ' },
      { practitionerId },
      { practitionerId, text: 'x'.repeat(4001) },
      { practitionerId, text: 'hi', extra: 1 },
    ]) {
      const res = await a.as(patient).post('/v1/conversations').send(body).expect(400);
      expect(res.body.error.code).toBe('INVALID_REQUEST');
    }
    const unknown = await a
      .as(patient)
      .post('/v1/conversations')
      .send({ practitionerId: 'DOC-NOBODY', text: 'hi' })
      .expect(404);
    expect(unknown.body.error.message).toBe('HospitalAMSP has no active doctor DOC-NOBODY');
    const noPatient = await a.as(doctor).post('/v1/conversations').send({ text: 'hi' }).expect(400);
    expect(noPatient.body.error.message).toMatch(/names the patient/);
    expect(a.messages.all()).toEqual([]);
  });

  it("lets the admin read a patient's messages only with a stated purpose, audited, and answer those sent to the hospital", async () => {
    const withDoctor = (await writeToDoctor()).conversation;
    const noPurpose = await read(admin, withDoctor.conversationId).expect(400);
    expect(noPurpose.body.error.message).toBe("state the purpose of reading a patient's messages");
    const audited = (await read(admin, withDoctor.conversationId, { purpose: 'second-opinion' }).expect(200))
      .body as View;
    expect(audited.access).toMatchObject({ basis: 'member-admin', purpose: 'second-opinion', recorded: true });
    expect(await accessLog()).toEqual([
      expect.objectContaining({
        basis: 'member-admin',
        purpose: 'second-opinion',
        reader: expect.objectContaining({ role: 'admin' }),
      }),
    ]);
    // Not a party to the patient's conversation with the doctor: no writing there, and not listed.
    await a
      .as(admin)
      .post(`/v1/conversations/${withDoctor.conversationId}/messages`)
      .send({ text: 'hello' })
      .expect(403);
    expect((await a.as(admin).get('/v1/conversations').expect(200)).body.items).toEqual([]);

    const desk = (
      (await a.as(patient).post('/v1/conversations').send({ text: 'How do I change my address?' }).expect(201))
        .body as View
    ).conversation;
    expect(desk.with).toEqual({ kind: 'hospital' });
    expect((await a.as(admin).get('/v1/conversations').expect(200)).body.items).toEqual([
      expect.objectContaining({ conversationId: desk.conversationId, with: { kind: 'hospital' } }),
    ]);
    const answer = await a
      .as(admin)
      .post(`/v1/conversations/${desk.conversationId}/messages`)
      .send({ text: 'At the front desk.' })
      .expect(201);
    expect((answer.body as View).conversation.messages.at(-1)?.from).toEqual({ role: 'hospital', id: 'staff' });
  });

  it("deletes the patient's conversations when the hospital approves the patient's erasure, and only theirs", async () => {
    await assign();
    const { conversation } = await writeToDoctor();
    const bob = await a.user(admin, 'bob', 'patient');
    const kept = ((await a.as(bob).post('/v1/conversations').send({ text: 'keep me' }).expect(201)).body as View)
      .conversation;
    const requested = await a.as(patient).post('/v1/erasure-requests').expect(201);
    // Asking is not erasing: the messages stay until the hospital approves.
    expect(a.messages.get(conversation.conversationId)).toBeDefined();
    await a
      .as(admin)
      .post(`/v1/patients/${patientId}/erasure-requests/${requested.body.requestId as string}/approval`)
      .expect(200);
    expect(a.messages.get(conversation.conversationId)).toBeUndefined();
    expect(a.messages.get(kept.conversationId)).toBeDefined();
    // Gone from the disk as well: a restarted gateway does not find it.
    expect(
      fileMessageStore(a.dir, Buffer.alloc(32, 7))
        .all()
        .map((c) => c.conversationId),
    ).toEqual([kept.conversationId]);
    expect((await read(patient, conversation.conversationId).expect(404)).body.error.code).toBe('NOT_FOUND');
    // The ledger refuses staff from now on, even a doctor on the care team.
    const late = await a.as(doctor).post('/v1/conversations').send({ patientId, text: 'x' }).expect(404);
    expect(late.body.error.code).toBe('PURGED');
    // The patient's account writes no more either.
    const after = await a.as(patient).post('/v1/conversations').send({ text: 'still there?' }).expect(404);
    expect(after.body.error).toEqual({
      code: 'PURGED',
      message: `patient ${patientId} was erased: the hospital keeps no messages of theirs`,
    });
    expect(a.messages.all()).toHaveLength(1);

    // A gateway stopped between the approval's commit and the deletion: the retry, refused as
    // approved already, deletes what was left.
    await a.messages.post(patientId, { kind: 'hospital' }, { role: 'patient', id: patientId }, MARKER);
    const retry = await a
      .as(admin)
      .post(`/v1/patients/${patientId}/erasure-requests/${requested.body.requestId as string}/approval`)
      .expect(409);
    expect(retry.body.error.code).toBe('ALREADY_EXISTS');
    expect(a.messages.all().map((c) => c.patientId)).not.toContain(patientId);
  });

  it("tells the parties' event streams of a new message by conversation id only, and no one else", async () => {
    await assign();
    const server = await serve(a.app);
    try {
      const toPatient = await openStream(server.url, patient);
      const toDoctor = await openStream(server.url, doctor);
      const toOther = await openStream(server.url, otherDoctor);
      const toAdmin = await openStream(server.url, admin);
      await until(() => events.openStreams === 4);
      const { conversation } = await writeToDoctor();
      const frame = `event: MessagePosted\ndata: {"conversationId":"${conversation.conversationId}"}\n\n`;
      await until(() => toPatient.text().includes(frame) && toDoctor.text().includes(frame));
      // A moment for the others to (not) get it.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(toOther.text()).not.toContain('MessagePosted');
      expect(toAdmin.text()).not.toContain('MessagePosted');
      for (const stream of [toPatient, toDoctor]) {
        expect(stream.text()).not.toContain('msg-marker');
        expect(stream.ids()).toEqual([]);
      }
      for (const stream of [toPatient, toDoctor, toOther, toAdmin]) stream.close();
    } finally {
      server.stop();
    }
  });
});
