import { configtx } from '../../../network/src/configtx';
import { demoUsers, ORGS, port, type PortName } from '../../../network/src/topology';

const PORT_NAMES: PortName[] = [
  'orderer',
  'peer',
  'peerChaincode',
  'ordererAdmin',
  'ca',
  'caOperations',
  'peerOperations',
  'ordererOperations',
  'stateDb',
  'chaincode',
  'gateway',
  'ordererCluster',
];

describe('port plan', () => {
  afterEach(() => {
    delete process.env.EHR_PORT_BASE;
  });

  it('gives every node of every member its own port, none of them 9443', () => {
    const all = ORGS.flatMap((org) => PORT_NAMES.map((name) => port(org, name)));
    expect(new Set(all).size).toBe(all.length);
    expect(all).not.toContain(9443);
  });

  it('moves the whole plan with EHR_PORT_BASE', () => {
    process.env.EHR_PORT_BASE = '20000';
    expect(port(ORGS[1]!, 'peer')).toBe(20101);
  });

  it('rejects an unusable EHR_PORT_BASE with a clear error', () => {
    process.env.EHR_PORT_BASE = '80';
    expect(() => port(ORGS[0]!, 'peer')).toThrow(/EHR_PORT_BASE must be an integer between 1024 and 60000/);
  });
});

describe('demo users', () => {
  it('gives each hospital a patient, doctor, billing clerk and admin with SPEC §2 attributes', () => {
    const users = demoUsers(ORGS[0]!);
    expect(users.map((u) => u.role).sort()).toEqual(['admin', 'billing', 'doctor', 'patient']);
    expect(users.find((u) => u.role === 'patient')?.attrs).toEqual({
      'ehr.role': 'patient',
      'ehr.patientId': 'PAT-HA-0001',
    });
    expect(users.find((u) => u.role === 'doctor')?.attrs['ehr.practitionerId']).toBe('DOC-HA-0001');
  });

  it('gives the lab a lab technician and the insurer an adjuster', () => {
    expect(demoUsers(ORGS[2]!).map((u) => u.role)).toEqual(['admin', 'labtech']);
    expect(demoUsers(ORGS[3]!).map((u) => u.role)).toEqual(['admin', 'adjuster']);
  });
});

describe('channel configuration', () => {
  const profile = configtx(ORGS).Profiles.EhrChannel;

  it('orders with SmartBFT, one consenter per member, V3_0 capabilities', () => {
    expect(profile.Orderer.OrdererType).toBe('BFT');
    expect(profile.Capabilities).toEqual({ V3_0: true });
    expect(profile.Orderer.ConsenterMapping.map((c) => c.MSPID)).toEqual(ORGS.map((o) => o.mspId));
    expect(profile.Orderer.ConsenterMapping.map((c) => c.ID)).toEqual([1, 2, 3, 4]);
  });

  it('lets consenters reach each other on their cluster listeners, and a restarted one sync first', () => {
    expect(profile.Orderer.ConsenterMapping.map((c) => c.Port)).toEqual(ORGS.map((o) => port(o, 'ordererCluster')));
    expect(profile.Orderer.SmartBFT.SyncOnStart).toBe(true);
  });

  it('requires a majority of members to endorse, to approve chaincode and to change the channel', () => {
    const app = profile.Application.Policies;
    expect(app.Endorsement).toEqual({ Type: 'ImplicitMeta', Rule: 'MAJORITY Endorsement' });
    expect(app.LifecycleEndorsement).toEqual({ Type: 'ImplicitMeta', Rule: 'MAJORITY Endorsement' });
    expect(app.Admins.Rule).toBe('MAJORITY Admins');
    expect(profile.Orderer.Policies.Admins.Rule).toBe('MAJORITY Admins');
    expect(profile.Policies.Admins.Rule).toBe('MAJORITY Admins');
  });

  it('names each member with its own orderer endpoint and anchor peer, and no global orderer addresses', () => {
    for (const [i, org] of profile.Application.Organizations.entries()) {
      expect(org.OrdererEndpoints).toEqual([`127.0.0.1:${port(ORGS[i]!, 'orderer')}`]);
      expect(org.AnchorPeers).toEqual([{ Host: '127.0.0.1', Port: port(ORGS[i]!, 'peer') }]);
    }
    expect(profile.Orderer).not.toHaveProperty('Addresses');
  });

  it("lets only a member's peers endorse for it", () => {
    expect(profile.Application.Organizations[0]!.Policies.Endorsement.Rule).toBe("OR('HospitalAMSP.peer')");
  });
});
