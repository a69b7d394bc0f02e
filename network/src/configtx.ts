/**
 * The `ehr` channel's genesis configuration: every member runs one SmartBFT orderer and one
 * peer, V3_0 capabilities, and MAJORITY policies for administration and endorsement, so that
 * no single member can change the channel or forge an endorsed transaction (SPEC §1, §5).
 */
import { hostPort, type PublishedMember } from './member-definition';

function signature(rule: string) {
  return { Type: 'Signature', Rule: rule };
}

function implicitMeta(rule: string) {
  return { Type: 'ImplicitMeta', Rule: rule };
}

/**
 * The member as both an application and an ordering organization (one MSP for both), from
 * what it published: its MSP folder and its endpoints.
 */
export function organization(member: PublishedMember) {
  const m = member.endpoints.mspId;
  return {
    Name: m,
    ID: m,
    MSPDir: member.msp,
    Policies: {
      Readers: signature(`OR('${m}.admin', '${m}.peer', '${m}.client', '${m}.orderer')`),
      Writers: signature(`OR('${m}.admin', '${m}.client', '${m}.orderer')`),
      Admins: signature(`OR('${m}.admin')`),
      Endorsement: signature(`OR('${m}.peer')`),
    },
    OrdererEndpoints: [hostPort(member.endpoints.orderer)],
    AnchorPeers: [{ Host: member.endpoints.peer.host, Port: member.endpoints.peer.port }],
  };
}

/** The member's orderer as a BFT consenter, from its published certificates and endpoints. */
export function consenter(member: PublishedMember, id: number) {
  return {
    ID: id,
    // Orderers talk consensus on their own mutual-TLS cluster listener, apart from clients.
    Host: member.endpoints.ordererCluster.host,
    Port: member.endpoints.ordererCluster.port,
    MSPID: member.endpoints.mspId,
    Identity: member.ordererIdentity,
    ClientTLSCert: member.ordererTls,
    ServerTLSCert: member.ordererTls,
  };
}

/**
 * How long the BFT leader waits for more requests before it cuts a block
 * (EHR_BFT_BATCH_INTERVAL_MS, 10–2000, default 50). Every block costs each orderer a consensus
 * round and a signature and each peer a validation and a state DB commit, whatever it holds:
 * under load a longer wait puts more transactions in each block.
 */
export function bftBatchInterval(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.EHR_BFT_BATCH_INTERVAL_MS ?? '50';
  const ms = Number(raw);
  if (!/^\d+$/.test(raw) || ms < 10 || ms > 2000)
    throw new Error(`EHR_BFT_BATCH_INTERVAL_MS must be a whole number of milliseconds from 10 to 2000, not ${raw}`);
  return `${String(ms)}ms`;
}

const SMART_BFT = {
  RequestBatchMaxCount: 100,
  RequestForwardTimeout: '2s',
  RequestComplainTimeout: '20s',
  RequestAutoRemoveTimeout: '3m0s',
  ViewChangeResendInterval: '5s',
  ViewChangeTimeout: '20s',
  LeaderHeartbeatTimeout: '1m0s',
  LeaderHeartbeatCount: 10,
  CollectTimeout: '1s',
  RequestBatchMaxBytes: 10485760,
  IncomingMessageBufferSize: 200,
  RequestPoolSize: 100000,
  // A restarted orderer pulls the blocks it missed before it takes part again. Without it, at
  // this Fabric commit, a follower that restarts one block behind is not seen as behind by the
  // leader's heartbeats and stays behind until the next block is ordered.
  SyncOnStart: true,
};

/**
 * configtx.yaml content with the single profile `EhrChannel`, built from the founding members'
 * published files only (no member's private folder).
 */
export function configtx(members: readonly PublishedMember[]) {
  const organizations = members.map(organization);
  const basePolicies = {
    Readers: implicitMeta('ANY Readers'),
    Writers: implicitMeta('ANY Writers'),
    Admins: implicitMeta('MAJORITY Admins'),
  };
  return {
    Profiles: {
      EhrChannel: {
        Policies: basePolicies,
        Capabilities: { V3_0: true },
        Orderer: {
          OrdererType: 'BFT',
          BatchTimeout: '2s',
          BatchSize: { MaxMessageCount: 500, AbsoluteMaxBytes: '10 MB', PreferredMaxBytes: '2 MB' },
          Organizations: organizations,
          // With OrdererType BFT, Fabric checks block signatures against the consenter quorum.
          Policies: { ...basePolicies, BlockValidation: implicitMeta('ANY Writers') },
          Capabilities: { V2_0: true },
          SmartBFT: { ...SMART_BFT, RequestBatchMaxInterval: bftBatchInterval() },
          ConsenterMapping: members.map((member, i) => consenter(member, i + 1)),
        },
        Application: {
          Organizations: organizations,
          Policies: {
            ...basePolicies,
            LifecycleEndorsement: implicitMeta('MAJORITY Endorsement'),
            Endorsement: implicitMeta('MAJORITY Endorsement'),
          },
          Capabilities: { V2_5: true },
        },
      },
    },
  };
}
