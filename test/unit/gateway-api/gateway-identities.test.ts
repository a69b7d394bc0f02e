/**
 * The gateway holds no MSP admin key: it starts from network.json's `registrar` and
 * `memberAdmin` entries (the org's `admin` entry is never read) and refuses identities that would
 * give it more than it needs. Certificates are made with openssl as Fabric CA makes them: NodeOU
 * in the subject, `ehr.*` attributes as JSON in extension 1.2.3.4.5.6.7.8.1.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadMemberSetup, type NetworkOrg } from '../../../gateway-api/src/network-config';
import { Harness } from './harness';

const home = mkdtempSync(path.join(tmpdir(), 'gw-net-'));

/** A certificate and key like Fabric CA's, written under the home; answers their relative paths. */
function identity(name: string, ou: string, attrs?: Record<string, string>): { cert: string; key: string } {
  const dir = path.join('organizations', 'hospital-a', 'users', name);
  mkdirSync(path.join(home, dir), { recursive: true });
  const files = { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') };
  const extension = attrs
    ? ['-addext', `1.2.3.4.5.6.7.8.1=DER:${Buffer.from(JSON.stringify({ attrs })).toString('hex')}`]
    : [];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/O=Hospital A/OU=${ou}/CN=${name}`,
      ...extension,
      '-keyout',
      path.join(home, files.key),
      '-out',
      path.join(home, files.cert),
    ],
    { stdio: 'ignore' },
  );
  return files;
}

const IDS = {
  registrar: identity('registrar', 'client'),
  memberAdmin: identity('u5f1e', 'client', { 'ehr.role': 'admin', 'hf.EnrollmentID': 'u5f1e' }),
  mspAdmin: identity('admin', 'admin', { 'ehr.role': 'admin' }),
  doctor: identity('doctor', 'client', { 'ehr.role': 'doctor', 'ehr.practitionerId': 'DOC-1' }),
  noRole: identity('norole', 'client'),
};
writeFileSync(path.join(home, 'tls.pem'), 'TLS ROOT');

/** Writes network.json with hospital A's entry changed as given; answers its path. */
function networkJson(change: Partial<NetworkOrg> & Record<string, unknown> = {}): string {
  const org = (name: string, mspId: string) => ({
    name,
    mspId,
    kind: 'hospital',
    displayName: name,
    peer: { endpoint: '127.0.0.1:7101', hostAlias: 'localhost', tlsCACert: 'tls.pem' },
    ca: { url: 'https://127.0.0.1:7105', caName: 'ca', tlsCACert: 'tls.pem' },
  });
  const hospitalA = {
    ...org('hospital-a', 'HospitalAMSP'),
    // The MSP admin's files are not there: reading them would fail the start.
    admin: { cert: 'organizations/hospital-a/users/admin/missing.pem', key: 'missing-key.pem' },
    registrar: IDS.registrar,
    memberAdmin: IDS.memberAdmin,
    ...change,
  };
  const file = path.join(home, 'organizations', 'network.json');
  const doc = { channel: 'ehr', chaincode: 'ehr', orgs: [hospitalA, org('hospital-b', 'HospitalBMSP')] };
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

describe("the gateway's identities", () => {
  it("starts with the registrar and the member-admin user, and never reads the MSP admin's key", () => {
    const setup = loadMemberSetup(networkJson(), 'hospital-a');
    expect(setup.memberAdmin).toEqual({
      mspId: 'HospitalAMSP',
      certPem: expect.stringContaining('BEGIN CERTIFICATE') as unknown,
      keyPem: expect.stringContaining('BEGIN PRIVATE KEY') as unknown,
    });
    expect(setup.registrar.certPem).not.toBe(setup.memberAdmin.certPem);
    expect(setup.member).toEqual({
      name: 'hospital-a',
      mspId: 'HospitalAMSP',
      kind: 'hospital',
      displayName: 'hospital-a',
    });
    expect(setup.otherPeers).toEqual([
      { mspId: 'HospitalBMSP', endpoint: '127.0.0.1:7101', tlsRootPem: 'TLS ROOT', hostAlias: 'localhost' },
    ]);
  });

  it.each([
    ['the MSP admin as member admin', { memberAdmin: IDS.mspAdmin }, /memberAdmin of hospital-a is an MSP admin/],
    ['the MSP admin as registrar', { registrar: IDS.mspAdmin }, /registrar of hospital-a is an MSP admin/],
    ['a member admin without the admin role', { memberAdmin: IDS.doctor }, /must carry ehr.role=admin/],
    ['a member admin without any role', { memberAdmin: IDS.noRole }, /must carry ehr.role=admin/],
    ['a registrar with a ledger role', { registrar: IDS.memberAdmin }, /carries ehr.role=admin/],
    [
      "a key that is not the certificate's",
      { memberAdmin: { cert: IDS.memberAdmin.cert, key: IDS.doctor.key } },
      /not a matching pair/,
    ],
    ['no registrar entry (an older network.json)', { registrar: undefined }, /has no registrar \{ cert, key \}/],
    ['no member-admin entry', { memberAdmin: undefined }, /has no memberAdmin \{ cert, key \}/],
  ])('refuses to start with %s', (_case, change, problem) => {
    expect(() => loadMemberSetup(networkJson(change), 'hospital-a')).toThrow(problem);
  });

  it('gives an admin imported earlier with the MSP admin identity the member-admin identity, keeping sign-in', async () => {
    const h = new Harness();
    const admin = await h.adminToken();
    const member = { certPem: 'MEMBER ADMIN CERT', keyPem: 'MEMBER ADMIN KEY' };
    expect(await h.accounts.importAdmin(member)).toBeUndefined();
    const identity = h.accounts.identityOf(h.accounts.authenticate(admin));
    expect(identity).toEqual({ mspId: 'HospitalAMSP', ...member });
    await h.as(admin).get('/v1/me').expect(200);
  });
});
