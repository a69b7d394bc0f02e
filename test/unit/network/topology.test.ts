import path from 'node:path';
import { bftBatchInterval, configtx } from '../../../network/src/configtx';
import { declaredEndpoints, declaredMember } from '../../../network/src/member-definition';
import {
  address,
  asConsortium,
  asMember,
  demoUsers,
  MemberBoundaryError,
  ORGS,
  paths,
  port,
  type PortName,
  watchPrivateAccess,
} from '../../../network/src/topology';

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

describe('member addresses', () => {
  it('puts each member on a loopback address of its own, with a host name of its own', () => {
    expect(ORGS.map((o) => o.host)).toEqual(['127.0.1.1', '127.0.1.2', '127.0.1.3', '127.0.1.4']);
    expect(new Set(ORGS.map((o) => o.hostname)).size).toBe(ORGS.length);
    for (const org of ORGS) expect(org.hostname).toBe(`${org.name}.ehr.internal`);
  });

  it("gives every listener of a member that member's address, never 127.0.0.1", () => {
    for (const org of ORGS) {
      for (const name of PORT_NAMES) expect(address(org, name)).toBe(`${org.host}:${port(org, name)}`);
    }
    expect(ORGS.flatMap((org) => PORT_NAMES.map((name) => address(org, name))).join()).not.toContain('127.0.0.1');
  });

  it('keeps the port plan under EHR_PORT_BASE with the member addresses', () => {
    process.env.EHR_PORT_BASE = '9600';
    try {
      expect(address(ORGS[2]!, 'peer')).toBe('127.0.1.3:9801');
    } finally {
      delete process.env.EHR_PORT_BASE;
    }
  });

  it('publishes the endpoints the other members reach the member at', () => {
    expect(declaredEndpoints(ORGS[1]!)).toEqual({
      name: 'hospital-b',
      mspId: 'HospitalBMSP',
      hostname: 'hospital-b.ehr.internal',
      peer: { host: '127.0.1.2', port: port(ORGS[1]!, 'peer') },
      orderer: { host: '127.0.1.2', port: port(ORGS[1]!, 'orderer') },
      ordererCluster: { host: '127.0.1.2', port: port(ORGS[1]!, 'ordererCluster') },
    });
  });
});

describe('member folders', () => {
  const [a, b] = [ORGS[0]!, ORGS[1]!];

  it("lets a member's step use its own private folder and another member's published files only", () => {
    asMember(a, () => {
      expect(paths.org(a).peer).toBe(path.join(paths.organizations, 'hospital-a', 'peer'));
      expect(paths.published(b).tlsCaCert).toBe(
        path.join(paths.organizations, 'hospital-b', 'public', 'msp', 'tlscacerts', 'tlsca.pem'),
      );
      expect(() => paths.org(b)).toThrow(
        new MemberBoundaryError("hospital-a's step may not use hospital-b's private folder"),
      );
    });
  });

  it('keeps the boundary across awaits and lets a consortium step use no private folder', async () => {
    await asMember(b, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      expect(() => paths.org(a)).toThrow(MemberBoundaryError);
      expect(() => paths.org(b)).not.toThrow();
    });
    await asConsortium(async () => {
      expect(() => paths.org(a)).toThrow("a consortium step may not use hospital-a's private folder");
      expect(paths.published(a).msp).toContain(path.join('hospital-a', 'public', 'msp'));
      // A member's step inside the consortium's acts as that member.
      await asMember(a, async () => {
        await Promise.resolve();
        expect(() => paths.org(a)).not.toThrow();
      });
    });
  });

  it('records which step used which private folder, and what no step did', () => {
    const stop = watchPrivateAccess();
    asMember(a, () => paths.org(a));
    paths.org(b);
    expect(() => asMember(a, () => paths.org(b))).toThrow(MemberBoundaryError);
    expect(stop()).toEqual([{ actor: 'hospital-a', owner: 'hospital-a' }, { owner: 'hospital-b' }]);
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
  const profile = configtx(ORGS.map(declaredMember)).Profiles.EhrChannel;

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
      expect(org.OrdererEndpoints).toEqual([address(ORGS[i]!, 'orderer')]);
      expect(org.AnchorPeers).toEqual([{ Host: ORGS[i]!.host, Port: port(ORGS[i]!, 'peer') }]);
    }
    expect(profile.Orderer).not.toHaveProperty('Addresses');
  });

  it("is built from the members' published files only: MSP folders and orderer certificates under public/", () => {
    for (const [i, org] of profile.Application.Organizations.entries()) {
      expect(org.MSPDir).toBe(paths.published(ORGS[i]!).msp);
    }
    for (const [i, c] of profile.Orderer.ConsenterMapping.entries()) {
      const published = paths.published(ORGS[i]!);
      expect(c.Host).toBe(ORGS[i]!.host);
      expect([c.Identity, c.ClientTLSCert, c.ServerTLSCert]).toEqual([
        published.ordererIdentity,
        published.ordererTls,
        published.ordererTls,
      ]);
    }
  });

  it('cuts BFT blocks after the batch interval EHR_BFT_BATCH_INTERVAL_MS names, 50 ms by default', () => {
    expect(profile.Orderer.SmartBFT.RequestBatchMaxInterval).toBe(bftBatchInterval());
    expect(bftBatchInterval({})).toBe('50ms');
    expect(bftBatchInterval({ EHR_BFT_BATCH_INTERVAL_MS: '250' })).toBe('250ms');
    for (const bad of ['5', '2001', '1.5', '250ms', ''])
      expect(() => bftBatchInterval({ EHR_BFT_BATCH_INTERVAL_MS: bad })).toThrow('EHR_BFT_BATCH_INTERVAL_MS');
  });

  it("lets only a member's peers endorse for it", () => {
    expect(profile.Application.Organizations[0]!.Policies.Endorsement.Rule).toBe("OR('HospitalAMSP.peer')");
  });
});
