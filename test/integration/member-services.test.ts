/**
 * Each member's services besides Fabric's own nodes, really started by the orchestrator: its
 * Fabric CA and the identities it issues, its CouchDB-API state database, and the gateway's
 * sign-up against the real CA. It stops only what it started.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nano from 'nano';
import request from 'supertest';
import { Accounts, type Member } from '../../gateway-api/src/accounts';
import { unseal } from '../../gateway-api/src/auth/sealed';
import { totp } from '../../gateway-api/src/auth/totp';
import { fabricCa } from '../../gateway-api/src/ca';
import { fabricLedger } from '../../gateway-api/src/fabric';
import { Ledger } from '../../gateway-api/src/ledger';
import { loadMemberSetup } from '../../gateway-api/src/network-config';
import { createServer } from '../../gateway-api/src/server';
import { fileUserStore } from '../../gateway-api/src/store';
import { outboxDelivery, readOutbox } from '../../gateway-api/src/delivery';
import { certFile } from '../../network/src/identities';
import { orgSpec, stateDbAt } from './helpers/network';
import { upMemberServices } from '../../network/src/network';
import { STATEDB_ADMIN_USER, stateDbSpec } from '../../network/src/nodes/fabric';
import { type NodeSpec, runningPid, startNode, stopNode } from '../../network/src/process';
import { orgSecrets } from '../../network/src/secrets';
import {
  address,
  CHAINCODE,
  CHANNEL,
  demoUsers,
  ORGS,
  type OrgSpec,
  paths,
  port,
  portBase,
} from '../../network/src/topology';

const services = ORGS.flatMap((org) => [`${org.name}.ca`, `${org.name}.statedb`]);
let startedHere: string[] = [];

beforeAll(async () => {
  const running = new Set(services.filter((name) => runningPid(name) !== undefined));
  try {
    await upMemberServices('couchdb', () => undefined);
  } finally {
    // Whatever came up, even when something else failed to, is stopped after the suite.
    startedHere = services.filter((name) => !running.has(name) && runningPid(name) !== undefined);
  }
});

afterAll(async () => {
  for (const name of startedHere) await stopNode(name);
});

/** The `ehr.*` (and `hf.*`) attributes Fabric CA puts into a certificate (extension 1.2.3.4.5.6.7.8.1). */
function certificateAttributes(pem: string): Record<string, string> {
  const der = new X509Certificate(pem).raw;
  const start = der.indexOf('{"attrs":');
  if (start < 0) return {};
  let depth = 0;
  for (let i = start; i < der.length; i += 1) {
    if (der[i] === 0x7b) depth += 1;
    if (der[i] === 0x7d) depth -= 1;
    if (depth === 0) {
      return (JSON.parse(der.subarray(start, i + 1).toString('utf8')) as { attrs: Record<string, string> }).attrs;
    }
  }
  throw new Error('unterminated attribute extension');
}

const caRoot = (org: OrgSpec) => new X509Certificate(readFileSync(paths.published(org).caCert));
const tlsRoot = (org: OrgSpec) => new X509Certificate(readFileSync(paths.published(org).tlsCaCert));
const userCert = (org: OrgSpec, name: string) =>
  readFileSync(certFile(path.join(paths.org(org).user(name), 'msp')), 'utf8');

describe('member CAs and the identities they issue', () => {
  it.each(ORGS.map((org) => [org.name, org] as const))(
    '%s: every demo user carries the SPEC §2 attributes of its role, signed by its own member CA only',
    (_name, org) => {
      const others = ORGS.filter((o) => o !== org);
      for (const user of demoUsers(org)) {
        const pem = userCert(org, user.name);
        const cert = new X509Certificate(pem);
        expect(cert.verify(caRoot(org).publicKey)).toBe(true);
        for (const other of others) expect(cert.verify(caRoot(other).publicKey)).toBe(false);
        expect(cert.subject).toContain(`OU=${user.role === 'admin' ? 'admin' : 'client'}`);
        const attrs = certificateAttributes(pem);
        expect(attrs).toMatchObject({ ...user.attrs, 'hf.EnrollmentID': user.name });
        const unexpected = Object.keys(attrs).filter((k) => k.startsWith('ehr.') && !(k in user.attrs));
        expect(unexpected).toEqual([]);
      }
    },
  );

  it("gives peers and orderers NodeOU certificates and TLS certificates for their member's address from the TLS CA", () => {
    for (const org of ORGS) {
      for (const [dir, ou] of [
        [paths.org(org).peer, 'peer'],
        [paths.org(org).orderer, 'orderer'],
      ] as const) {
        expect(new X509Certificate(readFileSync(certFile(path.join(dir, 'msp')))).subject).toContain(`OU=${ou}`);
        const tls = new X509Certificate(readFileSync(path.join(dir, 'tls', 'server.crt')));
        expect(tls.verify(tlsRoot(org).publicKey)).toBe(true);
        expect(tls.verify(caRoot(org).publicKey)).toBe(false);
        // Orderers dial each other with these certificates too (BFT cluster), so both uses.
        expect(tls.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']));
        expect(tls.subjectAltName).toBe(`DNS:${org.hostname}, IP Address:${org.host}`);
        expect(existsSync(path.join(dir, 'tls', 'server.key'))).toBe(true);
      }
      expect(readFileSync(path.join(paths.published(org).msp, 'config.yaml'), 'utf8')).toContain('Enable: true');
    }
  });
});

const hospitalA = orgSpec('hospital-a');

/** The gateway's registrar and member-admin user, from network.json, read and checked as the gateway does. */
const gatewaySetup = (org: OrgSpec) => loadMemberSetup(paths.networkJson, org.name);

function memberCa(org: OrgSpec) {
  const setup = gatewaySetup(org);
  return fabricCa({ ...setup.ca, registrar: { name: 'registrar', ...setup.registrar } });
}

/** The gateway's connection to the member's own peer, as the gateway program makes it. */
function memberPeer(org: OrgSpec) {
  return fabricLedger({
    endpoint: address(org, 'peer'),
    tlsRootPem: readFileSync(path.join(paths.org(org).peer, 'tls', 'ca.crt'), 'utf8'),
    hostAlias: org.hostname,
    channel: CHANNEL,
    chaincode: CHAINCODE,
  });
}

describe('gateway sign-up against the member CA', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gw-ca-'));
  const settings = {
    keyEncryptionKey: randomBytes(32),
    tokenSecret: randomBytes(32),
    tokenTtlSeconds: 900,
    enrolmentTtlHours: 72,
    signInAttempts: 5,
  };
  const member: Member = { ...hospitalA, displayName: hospitalA.displayName };
  let peer: ReturnType<typeof memberPeer>;
  let ledger: Ledger;
  let accounts: Accounts;
  let app: ReturnType<typeof createServer>;

  beforeAll(() => {
    // An invitation registers the patient on the ledger: the member's real peer (the network is up).
    peer = memberPeer(hospitalA);
    ledger = new Ledger(peer);
    accounts = new Accounts(member, fileUserStore(dir), memberCa(hospitalA), ledger, outboxDelivery(dir), settings);
    // These requests name no block (Ehr-Min-Block): nothing to wait for.
    const blocks = { reach: () => Promise.resolve() };
    app = createServer({
      accounts,
      blocks,
      ready: () => Promise.resolve(false),
      maxBodyBytes: 262_144,
      log: () => undefined,
    });
  });
  afterAll(() => {
    peer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const PASSWORD = 'correct horse battery staple';
  async function activate(username: string, enrolmentCode: string): Promise<string> {
    const signup = await request(app).post('/v1/signup').send({ username, enrolmentCode, password: PASSWORD });
    expect(signup.status).toBe(200);
    const secret = signup.body.totpSecret as string;
    await request(app)
      .post('/v1/signup/totp')
      .send({ username, enrolmentCode, code: totp(secret, Date.now()) })
      .expect(204);
    // The sign-up code's time step is spent; sign in with the next one.
    const next = Date.now() + 30_000;
    const session = await request(app)
      .post('/v1/sessions')
      .send({ username, password: PASSWORD, code: totp(secret, next) });
    expect(session.status).toBe(201);
    return session.body.token as string;
  }

  it('invites a patient, registered on the ledger, who enrols at the real CA and gets a certificate with their attributes', async () => {
    const code = await accounts.importAdmin(gatewaySetup(hospitalA).memberAdmin);
    const admin = await activate('admin', code ?? '');
    const username = `patient-${randomBytes(4).toString('hex')}`;
    const invited = await request(app)
      .post('/v1/users')
      .set('authorization', `Bearer ${admin}`)
      .send({ username, role: 'patient', demographics: { name: 'Ada Example', dateOfBirth: '1985-02-03' } });
    expect(invited.status).toBe(201);
    const patientId = invited.body.patientId as string;
    expect(patientId).toBe(invited.body.attrs['ehr.patientId']);
    // The code went to the user's outbox, not into the admin's answer.
    expect(invited.body).not.toHaveProperty('enrolmentCode');
    const token = await activate(username, readOutbox(dir, username) ?? '');
    expect(token).toMatch(/\./);
    // Finishing sign-up linked the patient's own certificate to their entry.
    const entry = await ledger.getPatient(gatewaySetup(hospitalA).memberAdmin, patientId);
    expect(entry).toMatchObject({ patientId, homeOrg: hospitalA.mspId, status: 'active' });
    expect(entry.certFingerprints).toHaveLength(1);

    const stored = JSON.parse(readFileSync(path.join(dir, 'users.json'), 'utf8')) as Record<
      string,
      { identity: { certPem: string; key: string }; enrollmentId: string }
    >;
    const identity = stored[username]?.identity;
    const enrollmentId = stored[username]?.enrollmentId ?? '';
    if (!identity) throw new Error('no identity stored');
    // The certificate names a random enrolment id, never the username.
    expect(enrollmentId).toMatch(/^u[0-9a-f]{32}$/);
    expect(new X509Certificate(identity.certPem).subject).not.toContain(username);
    const cert = new X509Certificate(identity.certPem);
    expect(cert.verify(caRoot(hospitalA).publicKey)).toBe(true);
    expect(certificateAttributes(identity.certPem)).toMatchObject({
      'ehr.role': 'patient',
      'ehr.patientId': invited.body.attrs['ehr.patientId'] as string,
      'hf.EnrollmentID': enrollmentId,
    });
    // The private key is at rest only sealed under the operator's key, and it matches the certificate.
    expect(readFileSync(path.join(dir, 'users.json'), 'utf8')).not.toContain('PRIVATE KEY');
    const keyPem = unseal(settings.keyEncryptionKey, identity.key, username).toString('utf8');
    expect(keyPem).toContain('PRIVATE KEY');
    expect(cert.checkPrivateKey((await import('node:crypto')).createPrivateKey(keyPem))).toBe(true);
  });

  it('is refused by the CA when asked for anything but ehr.* attributes, or to enrol twice', async () => {
    const ca = memberCa(hospitalA);
    await expect(
      ca.register({ name: `forger-${randomBytes(4).toString('hex')}`, attrs: { 'hf.Registrar.Roles': 'client' } }),
    ).rejects.toThrow(/attribute|authoriz|registrar/i);
    const name = `once-${randomBytes(4).toString('hex')}`;
    const secret = await ca.register({ name, attrs: { 'ehr.role': 'billing' } });
    await ca.enroll(name, secret);
    await expect(ca.enroll(name, secret)).rejects.toThrow();
  });
});

describe('state database (CouchDB HTTP API)', () => {
  const url = `http://${address(hospitalA, 'stateDb')}`;
  const admin = () => stateDbAt(url, hospitalA);
  const dbName = `it_${randomBytes(4).toString('hex')}`;

  afterAll(async () => {
    await admin()
      .db.destroy(dbName)
      .catch(() => undefined);
  });

  it("listens on its member's address only and answers nobody but its admin", async () => {
    const hexPort = port(hospitalA, 'stateDb').toString(16).toUpperCase().padStart(4, '0');
    const listening = readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((cols) => cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A')
      .map((cols) => cols[1]);
    expect(listening).toEqual(['0101007F:' + hexPort]);
    await expect(nano(url).db.list()).rejects.toMatchObject({ statusCode: 401 });
    const wrong = new URL(url);
    wrong.username = STATEDB_ADMIN_USER;
    wrong.password = 'not-the-password';
    await expect(nano(wrong.toString()).db.list()).rejects.toMatchObject({ statusCode: 401 });
  });

  it('serves what Fabric relies on: ETag revisions, If-Match updates, _find bookmarks', async () => {
    const server = admin();
    await server.db.create(dbName);
    const db = server.use<{ n: number; kind: string }>(dbName);
    const created = await db.insert({ _id: 'k1', n: 1, kind: 'x' });
    const head = await db.head('k1');
    expect(head.etag).toBe(`"${created.rev}"`);
    // Fabric's own request shape; nano drops an If-Match header, so plain fetch sends it.
    const authorization = `Basic ${Buffer.from(`${STATEDB_ADMIN_USER}:${orgSecrets(hospitalA).stateDbAdmin}`).toString('base64')}`;
    const putIfMatch = (rev: string, body: object) =>
      fetch(`${url}/${dbName}/k1`, {
        method: 'PUT',
        headers: { authorization, 'content-type': 'application/json', 'if-match': rev },
        body: JSON.stringify(body),
      });
    const updated = await putIfMatch(created.rev, { n: 2, kind: 'x' });
    expect(updated.status).toBe(201);
    expect((await db.get('k1')).n).toBe(2);
    expect((await putIfMatch(created.rev, { n: 3, kind: 'x' })).status).toBe(409);
    expect((await db.get('k1')).n).toBe(2);

    await db.bulk({
      docs: Array.from({ length: 24 }, (_, i) => ({ _id: `d${String(i).padStart(2, '0')}`, n: i, kind: 'y' })),
    });
    const seen: string[] = [];
    let bookmark: string | undefined;
    for (let page = 0; page < 5; page += 1) {
      const result = await db.find({ selector: { kind: 'y' }, limit: 10, ...(bookmark ? { bookmark } : {}) });
      if (result.docs.length === 0) break;
      seen.push(...result.docs.map((doc) => doc._id));
      bookmark = result.bookmark;
      expect(bookmark).toBeTruthy();
    }
    expect(seen).toHaveLength(24);
    expect(new Set(seen).size).toBe(24);
  });

  it('keeps its databases across a restart of the process', async () => {
    // A state DB of its own on a spare port, so the member's one is left alone.
    const spare = portBase() + 90;
    const dataDir = mkdtempSync(path.join(tmpdir(), 'statedb-'));
    const base = stateDbSpec(hospitalA, orgSecrets(hospitalA));
    const spec: NodeSpec = {
      ...base,
      name: 'test-restart.statedb',
      env: { ...base.env, STATEDB_PORT: String(spare), STATEDB_DATA_DIR: dataDir },
      ports: [spare],
      health: [{ kind: 'http', url: `http://${hospitalA.host}:${String(spare)}/_up` }],
    };
    const client = () => stateDbAt(`http://${hospitalA.host}:${String(spare)}`, hospitalA);
    try {
      for (let start = 0; start < 3; start += 1) {
        expect(await startNode(spec)).toBe(true);
        const db = client().use<{ starts: number }>('kept');
        if (start === 0) {
          await client().db.create('kept');
          await db.insert({ _id: 'doc', starts: 1 });
        } else {
          const doc = await db.get('doc');
          expect(doc.starts).toBe(start);
          await db.insert({ ...doc, starts: start + 1 });
        }
        expect(await stopNode(spec.name)).toBe(true);
      }
    } finally {
      await stopNode(spec.name);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
