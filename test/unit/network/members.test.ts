import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// The topology reads EHR_NETWORK_HOME once, when it is loaded: this suite loads it over a home of its own.
const home = mkdtempSync(path.join(tmpdir(), 'members-'));
process.env.EHR_NETWORK_HOME = home;
type Topology = typeof import('../../../network/src/topology');
let topology: Topology;
beforeAll(async () => {
  topology = await import('../../../network/src/topology');
});
afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  delete process.env.EHR_NETWORK_HOME;
});

const HOSPITAL_C = {
  name: 'hospital-c',
  mspId: 'HospitalCMSP',
  kind: 'hospital',
  displayName: 'Hospital C',
  code: 'HC',
  index: 4,
};

function publish(definition: object, folder = (definition as { name: string }).name): void {
  const dir = path.join(home, 'organizations', folder, 'public');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'member.json'), JSON.stringify(definition));
}

describe('a member defined by its own file', () => {
  it('takes its address and TLS name from its place in the port plan unless the file names them', () => {
    expect(topology.parseMemberDefinition(HOSPITAL_C)).toEqual({
      ...HOSPITAL_C,
      host: '127.0.1.5',
      hostname: 'hospital-c.ehr.internal',
    });
    const own = topology.parseMemberDefinition({ ...HOSPITAL_C, host: '10.1.2.3', hostname: 'ehr.hospital-c.example' });
    expect([own.host, own.hostname]).toEqual(['10.1.2.3', 'ehr.hospital-c.example']);
    expect(topology.memberDefinition(own)).toEqual({
      ...HOSPITAL_C,
      host: '10.1.2.3',
      hostname: 'ehr.hospital-c.example',
    });
  });

  it.each([
    [{ ...HOSPITAL_C, name: 'Hospital C' }, 'name must be lower-case letters, digits and dashes'],
    [{ ...HOSPITAL_C, mspId: 'HospitalC' }, 'mspId must be letters and digits ending in MSP'],
    [{ ...HOSPITAL_C, kind: 'pharmacy' }, 'kind must be hospital, lab or insurer'],
    [{ ...HOSPITAL_C, code: 'hc' }, 'code must be 2 to 4 capital letters'],
    [{ ...HOSPITAL_C, index: 50 }, 'index must be an integer from 0 to 49'],
    [{ ...HOSPITAL_C, index: 1.5 }, 'index must be an integer from 0 to 49'],
    [{ ...HOSPITAL_C, host: '127.0.1.256' }, 'host must be an IPv4 address'],
    [{ ...HOSPITAL_C, admin: 'adminpw' }, 'unknown field admin'],
    [[HOSPITAL_C], 'a member definition is a JSON object'],
  ])('refuses %j, naming the field', (definition, message) => {
    const parse = () => topology.parseMemberDefinition(definition, 'c.json');
    expect(parse).toThrow(topology.MemberDefinitionError);
    expect(parse).toThrow(`c.json: ${message}`);
  });

  it("refuses a newcomer that would share a founder's MSP ID, port-plan place or address", () => {
    const c = topology.parseMemberDefinition(HOSPITAL_C);
    expect(() => {
      topology.checkDistinct(c, topology.ORGS);
    }).not.toThrow();
    expect(() => {
      topology.checkDistinct({ ...c, mspId: 'LabMSP' }, topology.ORGS);
    }).toThrow("hospital-c's mspId LabMSP is lab's already");
    expect(() => {
      topology.checkDistinct(topology.parseMemberDefinition({ ...HOSPITAL_C, index: 1 }), topology.ORGS);
    }).toThrow("hospital-c's index 1 is hospital-b's already");
  });
});

describe('the members this machine knows and those serving the channel', () => {
  it('knows the founders and every member that published a definition, in port-plan order', () => {
    expect(topology.knownMembers()).toEqual(topology.ORGS);
    publish(HOSPITAL_C);
    publish({ ...HOSPITAL_C, name: 'clinic-z', mspId: 'ClinicZMSP', code: 'CZ', index: 7 });
    expect(topology.knownMembers().map((o) => o.name)).toEqual([
      'hospital-a',
      'hospital-b',
      'lab',
      'insurer',
      'hospital-c',
      'clinic-z',
    ]);
    expect(topology.findMember('hospital-c').host).toBe('127.0.1.5');
    expect(() => topology.findMember('hospital-d')).toThrow(
      'name a member: hospital-a, hospital-b, lab, insurer, hospital-c, clinic-z',
    );
  });

  it('refuses a definition published in another member’s folder', () => {
    publish(HOSPITAL_C, 'impostor');
    expect(() => topology.knownMembers()).toThrow(/impostor.*names hospital-c, not impostor/);
    rmSync(path.join(home, 'organizations', 'impostor'), { recursive: true });
  });

  it('counts the founders as serving until a member joins or leaves', () => {
    expect(topology.servingMembers()).toEqual(topology.ORGS);
    topology.setServing(topology.findMember('hospital-c'), true);
    expect(topology.servingMembers().map((o) => o.name)).toEqual([
      'hospital-a',
      'hospital-b',
      'lab',
      'insurer',
      'hospital-c',
    ]);
    topology.setServing(topology.findMember('lab'), false);
    expect(topology.servingMembers().map((o) => o.name)).toEqual(['hospital-a', 'hospital-b', 'insurer', 'hospital-c']);
  });
});
