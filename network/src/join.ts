/**
 * A member joins the running consortium, or leaves it, in steps that each belong to one party
 * (Fabric's add-an-org flow), the update and the signatures passing between them as files:
 *
 *   1. the newcomer: its CA, identities and published files ({@link initMember});
 *   2. any member: the config update that admits it ({@link proposeJoin}), optionally with its
 *      orderer as a BFT consenter;
 *   3. each signing member: its admin's signature on the update ({@link signUpdateFile});
 *   4. any member: the update with a majority of members' signatures, submitted
 *      ({@link submitSigned}); members approve the newcomer's kind on the ledger
 *      ({@link approveKind} in seed.ts); the newcomer brings its nodes onto the channel
 *      ({@link memberUp}).
 *
 * Leaving is the same exchange with {@link proposeLeave}, then {@link memberLeave} by the
 * member that left. Each step runs as its party ({@link asMember}): none reads another
 * member's private folder.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { common } from '@hyperledger/fabric-protos';
import YAML from 'yaml';
import {
  joinOrderer,
  joinPeer,
  ordererArgs,
  ordererChannel,
  ordererOf,
  peerCli,
  peerHeight,
  removeOrdererFromChannel,
  useOrderer,
} from './admin';
import { approveDefinition, committedDefinition } from './chaincode';
import {
  type ChannelConfig,
  fetchConfig,
  proposeUpdate,
  signUpdate,
  submitUpdate,
  updateConfig,
} from './channel-config';
import {
  addSignatures,
  envelopeSigners,
  lastSignature,
  majorityOf,
  readSignatureFile,
  updateDigest,
} from './config-signatures';
import { organization } from './configtx';
import { hostPort, readPublished } from './member-definition';
import {
  admit,
  anchorPeer,
  applicationMembers,
  type ChannelConfigJson,
  type ConfigGroupJson,
  consenters,
  remove,
} from './membership';
import { awaitDiscovery, type Log, readState, runChaincode, start, upMemberServicesOf } from './network';
import { addNetworkJsonEntry, orgEntry } from './network-json';
import { gatewaySpec, ordererSpec, peerSpec, writeNodeConfigs } from './nodes/fabric';
import { run, stopNode, waitUntil } from './process';
import { orgSecrets } from './secrets';
import { kindInEffect, seedMember } from './seed';
import {
  asMember,
  CHAINCODE,
  CHANNEL,
  checkDistinct,
  knownMembers,
  memberDefinition,
  type OrgSpec,
  paths,
  publishDefinition,
  servingMembers,
  setServing,
} from './topology';

const asJson = (config: ChannelConfig) => config as unknown as ChannelConfigJson;
const onJson = (change: (config: ChannelConfigJson) => void) => (config: ChannelConfig) => {
  change(asJson(config));
};

async function inTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ehr-join-'));
  try {
    return await work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The member's organization definition as a channel config group (`configtxgen -printOrg`,
 * from its published MSP and endpoints), published as org.json: what the proposer adds.
 */
async function publishOrgGroup(org: OrgSpec): Promise<void> {
  await inTempDir(async (dir) => {
    writeFileSync(
      path.join(dir, 'configtx.yaml'),
      YAML.stringify({ Organizations: [organization(readPublished(org))] }),
    );
    const printed = await run(path.join(paths.bin, 'configtxgen'), ['-printOrg', org.mspId, '-configPath', dir], {
      env: { FABRIC_CFG_PATH: dir },
    });
    writeFileSync(paths.published(org).orgGroup, JSON.stringify(JSON.parse(printed), null, 2) + '\n');
  });
}

/**
 * Step 1, the newcomer's: publishes its definition (member.json), starts its CA (and state DB),
 * has it issue the member's identities, and publishes its organization definition. Safe to run
 * again.
 */
export async function initMember(org: OrgSpec, log: Log): Promise<void> {
  const known = knownMembers();
  const same = known.find((o) => o.name === org.name);
  if (same && JSON.stringify(memberDefinition(same)) !== JSON.stringify(memberDefinition(org))) {
    throw new Error(`${org.name} is a member already, defined otherwise: choose another name`);
  }
  checkDistinct(org, known);
  const stateDb = readState()?.stateDb ?? 'couchdb';
  await asMember(org, async () => {
    publishDefinition(org);
    await upMemberServicesOf(org, stateDb, log);
    await publishOrgGroup(org);
  });
  log(
    `${org.name}: published its organization definition in ${path.relative(process.cwd(), paths.published(org).base)}`,
  );
}

const base64File = (file: string) => readFileSync(file).toString('base64');

/**
 * Step 2, any member's: the config update admitting `newcomer` (from what it published), and
 * with `orderer` its orderer as a consenter, written to `out` unsigned.
 */
export async function proposeJoin(
  proposer: OrgSpec,
  newcomer: OrgSpec,
  options: { orderer: boolean },
  out: string,
): Promise<void> {
  await asMember(proposer, async () => {
    const member = readPublished(newcomer);
    const groupFile = paths.published(newcomer).orgGroup;
    if (!existsSync(groupFile))
      throw new Error(`${newcomer.name} has not published ${groupFile}: it runs \`member init\` first`);
    const orgGroup = JSON.parse(readFileSync(groupFile, 'utf8')) as ConfigGroupJson;
    const consenter = options.orderer
      ? {
          host: member.endpoints.ordererCluster.host,
          port: member.endpoints.ordererCluster.port,
          msp_id: newcomer.mspId,
          identity: base64File(member.ordererIdentity),
          client_tls_cert: base64File(member.ordererTls),
          server_tls_cert: base64File(member.ordererTls),
        }
      : undefined;
    const change = admit({ mspId: newcomer.mspId, orgGroup, ...(consenter ? { consenter } : {}) });
    if (!(await proposeUpdate(proposer, onJson(change), out))) throw new Error('the update changes nothing');
  });
}

/** Step 2 of a leave, any member's: the config update removing `leaver` (and its consenter), unsigned. */
export async function proposeLeave(proposer: OrgSpec, leaver: OrgSpec, out: string): Promise<void> {
  await asMember(proposer, async () => {
    if (!(await proposeUpdate(proposer, onJson(remove(leaver.mspId)), out)))
      throw new Error('the update changes nothing');
  });
}

/** The channel's members (MSP IDs) as the member's orderer serves the config. */
async function channelMembersSeenBy(org: OrgSpec): Promise<{ members: string[]; config: ChannelConfigJson }> {
  return inTempDir(async (dir) => {
    const { config } = await fetchConfig(org, dir);
    return { members: applicationMembers(asJson(config)), config: asJson(config) };
  });
}

/** A config update as configtxlator decodes it: what it read and what it writes. */
interface UpdateSets {
  read_set: ConfigGroupJson;
  write_set: ConfigGroupJson;
}

/**
 * What a config update changes, in words, against the channel's current members: members it
 * admits or removes (a removed org is absent from both its read and its write set, so only the
 * current config tells), the consenters it sets.
 */
export async function describeUpdate(envelopeFile: string, members: readonly string[]): Promise<string[]> {
  return inTempDir(async (dir) => {
    const envelope = common.Envelope.deserializeBinary(readFileSync(envelopeFile));
    const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
    const update = common.ConfigUpdateEnvelope.deserializeBinary(payload.getData_asU8());
    writeFileSync(path.join(dir, 'update.pb'), update.getConfigUpdate_asU8());
    await run(path.join(paths.bin, 'configtxlator'), [
      'proto_decode',
      '--input',
      path.join(dir, 'update.pb'),
      '--type',
      'common.ConfigUpdate',
      '--output',
      path.join(dir, 'update.json'),
    ]);
    const decoded = JSON.parse(readFileSync(path.join(dir, 'update.json'), 'utf8')) as UpdateSets;
    const lines: string[] = [];
    const application = decoded.write_set.groups.Application;
    const readApplication = decoded.read_set.groups.Application;
    // The group's membership changes when its version moves: the write set then lists every org it keeps.
    if (application && readApplication && application.version !== readApplication.version) {
      const written = Object.keys(application.groups);
      for (const added of written.filter((m) => !members.includes(m))) lines.push(`admits ${added} as a member`);
      for (const removed of members.filter((m) => !written.includes(m)))
        lines.push(`removes ${removed} from the members`);
    }
    const orderers = decoded.write_set.groups.Orderer?.values.Orderers?.value as
      { consenter_mapping?: { msp_id: string }[] } | undefined;
    if (orderers?.consenter_mapping) {
      lines.push(`sets the BFT consenters to ${orderers.consenter_mapping.map((c) => c.msp_id).join(', ')}`);
    }
    return lines.length > 0 ? lines : ['changes the channel configuration'];
  });
}

/**
 * Step 3, each signing member's: its admin signs the update (a copy of `envelopeFile`; the file
 * received is not changed) and writes only the signature to `out`. Only a member of the
 * channel signs: a newcomer's signature would count for nothing.
 */
export async function signUpdateFile(signer: OrgSpec, envelopeFile: string, out: string): Promise<string[]> {
  return asMember(signer, async () => {
    const notMember = `${signer.mspId} is not a member of channel ${CHANNEL}: only members' admins sign its updates`;
    // A newcomer's admin cannot even read the channel (and may have no orderer to ask).
    const { members } = await channelMembersSeenBy(signer).catch((error: unknown) => {
      throw new Error(`${notMember} (${error instanceof Error ? error.message : String(error)})`);
    });
    if (!members.includes(signer.mspId)) throw new Error(notMember);
    const summary = await describeUpdate(envelopeFile, members);
    await inTempDir(async (dir) => {
      const copy = path.join(dir, 'update.pb');
      copyFileSync(envelopeFile, copy);
      await signUpdate(signer, copy);
      const signature = lastSignature(copy);
      if (signature.mspId !== signer.mspId)
        throw new Error(`the signature is ${signature.mspId}'s, not ${signer.mspId}'s`);
      writeFileSync(out, JSON.stringify(signature, null, 2) + '\n');
    });
    return summary;
  });
}

/** Raised when an update lacks the members' signatures its policy needs; says whose are missing. */
export class SignaturesShortError extends Error {
  override readonly name = 'SignaturesShortError';
}

/**
 * Step 4, one member's: gathers the signature files into the update and, when a majority of the
 * channel's members have signed (the submitter's own admin signs too), submits it; returns
 * once the submitter's peer has committed it. When signatures are short, it says how many are
 * needed and whose could still count, and submits nothing.
 */
export async function submitSigned(
  submitter: OrgSpec,
  envelopeFile: string,
  signatureFiles: readonly string[],
): Promise<{ signers: string[]; needed: number }> {
  const signatures = signatureFiles.map(readSignatureFile);
  return asMember(submitter, async () => {
    const { members } = await channelMembersSeenBy(submitter);
    if (!members.includes(submitter.mspId)) {
      throw new Error(`${submitter.mspId} is not a member of channel ${CHANNEL}: a member submits the update`);
    }
    return inTempDir(async (dir) => {
      const merged = path.join(dir, 'update.pb');
      addSignatures(envelopeFile, signatures, merged);
      const signers = [...new Set([...envelopeSigners(merged), submitter.mspId])]
        .filter((m) => members.includes(m))
        .sort();
      const needed = majorityOf(members.length);
      if (signers.length < needed) {
        const others = members.filter((m) => !signers.includes(m));
        throw new SignaturesShortError(
          `the update (${updateDigest(envelopeFile).slice(0, 12)}…) needs the signatures of ${String(needed)} of the ` +
            `channel's ${String(members.length)} members' admins (a majority), counting the submitter's; it has ` +
            `${String(signers.length)} (${signers.join(', ')}). Ask ${others.join(' or ')} to run \`join sign\` ` +
            `on the same update file and send back the signature file. Nothing was submitted.`,
        );
      }
      await submitUpdate(submitter, merged);
      return { signers, needed };
    });
  });
}

/** The number of the newest block on the channel, as the orderer the member's admin uses serves it. */
async function newestBlock(org: OrgSpec, dir: string): Promise<number> {
  const file = path.join(dir, 'newest.block');
  await peerCli(org, ['channel', 'fetch', 'newest', file, '-c', CHANNEL, ...ordererArgs(org)]);
  return common.Block.deserializeBinary(readFileSync(file)).getHeader()?.getNumber() ?? 0;
}

/** What {@link memberUp} reports: where the peer caught up from, and whether it runs a consenter. */
export interface MemberUp {
  /** The channel's height when the member's peer joined now (the blocks it pulled to catch up); undefined when it had joined before. */
  caughtUpFrom?: number;
  consenter: boolean;
  /** When the member's first transaction on the chaincode committed (its profile), if it made it now. */
  firstTransactionAt?: Date;
}

/**
 * The orderer the newcomer's admin uses until it runs one on the channel: the first serving
 * member's, as that member published it.
 */
function borrowOrderer(org: OrgSpec): void {
  const lender = servingMembers().find((o) => o.name !== org.name);
  if (!lender) throw new Error('no member serves the channel on this machine');
  const published = readPublished(lender);
  useOrderer(org, { address: hostPort(published.endpoints.orderer), tlsCaCert: published.tlsCaCert });
}

async function joinOwnOrderer(org: OrgSpec, configBlock: string, log: Log): Promise<void> {
  await start(ordererSpec(org), log);
  if (await joinOrderer(org, configBlock)) log(`${org.name}.orderer: joined channel ${CHANNEL} as a consenter`);
  await waitUntil(
    async () => {
      const channel = await ordererChannel(org);
      return channel?.status === 'active' || `it is ${channel?.status ?? 'not on the channel'}`;
    },
    180_000,
    `${org.name}.orderer: catching up with the channel`,
  );
  useOrderer(org, undefined);
}

async function joinOwnPeer(org: OrgSpec, dir: string, log: Log): Promise<number | undefined> {
  const genesis = path.join(dir, 'genesis.block');
  await peerCli(org, ['channel', 'fetch', '0', genesis, '-c', CHANNEL, ...ordererArgs(org)]);
  const height = (await newestBlock(org, dir)) + 1;
  const joined = await joinPeer(org, genesis);
  if (joined) log(`${org.name}.peer: joined channel ${CHANNEL} at height ${String(height)}`);
  await waitUntil(
    async () => {
      // Until the peer has the block admitting its member, it refuses the member's own admin.
      const own = await peerHeight(org).catch((error: unknown) => (error instanceof Error ? error.message : ''));
      return (typeof own === 'number' && own >= height) || `at ${String(own)} of ${String(height)}`;
    },
    180_000,
    `${org.name}.peer: catching up with the channel`,
  );
  return joined ? height : undefined;
}

/** The member approves the committed chaincode definition for its own org (same sequence: no new commit). */
async function approveCommitted(org: OrgSpec, log: Log): Promise<void> {
  const pkg = await runChaincode(org, readState()?.chaincodePackageId, log);
  const committed = await committedDefinition(org);
  if (!committed) throw new Error(`no chaincode is committed on ${CHANNEL} yet`);
  if (committed.version !== pkg.version) {
    throw new Error(
      `the channel runs chaincode version ${committed.version}; ${org.name} built ${pkg.version}: build the consortium's version`,
    );
  }
  const approved = await peerCli(org, [
    'lifecycle',
    'chaincode',
    'queryapproved',
    '-C',
    CHANNEL,
    '-n',
    CHAINCODE,
    '--sequence',
    String(committed.sequence),
    '--output',
    'json',
  ]).then(
    () => true,
    () => false,
  );
  if (approved) return;
  await approveDefinition(org, committed, pkg);
  log(`${org.name}: approved chaincode ${pkg.label} at the committed sequence ${String(committed.sequence)}`);
}

/**
 * The newcomer's step once the channel admitted it: its peer (and, when the channel lists it
 * as a consenter, its orderer) joins and catches up, it sets its anchor peer (its own admin
 * alone signs that), installs the chaincode and approves the committed definition for its
 * org, and starts its chaincode server and gateway. Once a majority approved its kind it
 * publishes its profile and registers its demo practitioners and patients. Safe to run again.
 */
export async function memberUp(org: OrgSpec, log: Log): Promise<MemberUp> {
  const stateDb = readState()?.stateDb ?? 'couchdb';
  const startedAt = Date.now();
  // Each step says when it ended: the join's duration is the test's figure, and this is its breakdown.
  const say: Log = (message) => {
    log(`${message} (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);
  };
  return asMember(org, () =>
    inTempDir(async (dir) => {
      await upMemberServicesOf(org, stateDb, say);
      if (!existsSync(paths.org(org).ordererVia) && !(await ordererChannel(org).catch(() => undefined))) {
        borrowOrderer(org);
      }
      let fetched;
      try {
        fetched = await fetchConfig(org, dir);
      } catch (error) {
        throw new Error(
          `${org.name}'s admin cannot read channel ${CHANNEL} from ${ordererOf(org).address}: has the consortium submitted the update admitting it? (${error instanceof Error ? error.message : String(error)})`,
        );
      }
      const config = asJson(fetched.config);
      if (!applicationMembers(config).includes(org.mspId))
        throw new Error(`${org.mspId} is not a member of ${CHANNEL}`);
      const consenter = consenters(config).some((c) => c.msp_id === org.mspId);
      writeNodeConfigs(org);
      await start(peerSpec(org, stateDb, orgSecrets(org)), say);
      if (consenter) await joinOwnOrderer(org, path.join(dir, 'config.block'), say);
      const caughtUpFrom = await joinOwnPeer(org, dir, say);
      const { host, port } = readPublished(org).endpoints.peer;
      if (await updateConfig([org], onJson(anchorPeer(org.mspId, host, port)))) say(`${org.name}: anchor peer set`);
      await approveCommitted(org, say);
      addNetworkJsonEntry(orgEntry(org, stateDb));
      setServing(org, true);
      // The member asks its own peer only: the other members' peers are theirs to ask.
      await awaitDiscovery(say, [org]);
      let firstTransactionAt: Date | undefined;
      if ((await kindInEffect(org, org)) === undefined) {
        log(
          `${org.name}: its kind awaits a majority's approval (\`join approve-kind <member> ${org.name}\`); run \`member up ${org.name}\` again then`,
        );
      } else {
        await seedMember(org);
        firstTransactionAt = new Date();
        say(`${org.name}: profile, practitioners and demo patients on the ledger`);
      }
      await start(gatewaySpec(org, orgSecrets(org)), say);
      return {
        consenter,
        ...(caughtUpFrom === undefined ? {} : { caughtUpFrom }),
        ...(firstTransactionAt ? { firstTransactionAt } : {}),
      };
    }),
  );
}

/**
 * The step of a member the channel removed: its orderer leaves the channel (it is no consenter
 * any more), its gateway stops, and this machine stops counting its peer among those a
 * transaction must reach. Its peer keeps the ledger and private data it had.
 */
export async function memberLeave(org: OrgSpec, log: Log): Promise<void> {
  await asMember(org, async () => {
    if (await removeOrdererFromChannel(org)) log(`${org.name}.orderer: left channel ${CHANNEL}`);
    if (await stopNode(`${org.name}.gateway`)) log(`${org.name}.gateway: stopped`);
  });
  setServing(org, false);
}
