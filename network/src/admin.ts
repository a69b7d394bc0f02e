/**
 * Member administration through Fabric's CLIs, acting as the member's admin: channel
 * membership of orderers (osnadmin) and peers (peer channel), and the chaincode lifecycle.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { certFile, keyFile } from './identities';
import { run } from './process';
import { address, CHANNEL, type OrgSpec, paths } from './topology';

function adminDir(org: OrgSpec): string {
  return paths.org(org).user('admin');
}

function tlsRoot(org: OrgSpec): string {
  return path.join(paths.org(org).peer, 'tls', 'ca.crt');
}

/**
 * Environment for the `peer` CLI acting as the member's admin (or the identity in `mspDir`)
 * against its own peer.
 */
export function peerAdminEnv(org: OrgSpec, mspDir = path.join(adminDir(org), 'msp')): Record<string, string> {
  return {
    FABRIC_CFG_PATH: paths.fabricConfig,
    FABRIC_LOGGING_SPEC: 'warning',
    CORE_PEER_LOCALMSPID: org.mspId,
    CORE_PEER_MSPCONFIGPATH: mspDir,
    CORE_PEER_ADDRESS: address(org, 'peer'),
    CORE_PEER_TLS_ENABLED: 'true',
    CORE_PEER_TLS_ROOTCERT_FILE: tlsRoot(org),
  };
}

export function peerCli(org: OrgSpec, args: string[], mspDir?: string): Promise<string> {
  return run(path.join(paths.bin, 'peer'), args, { env: peerAdminEnv(org, mspDir) });
}

/** An orderer as a member's admin reaches it: its address and the root of its TLS certificate. */
export interface OrdererTarget {
  address: string;
  tlsCaCert: string;
}

/**
 * Makes the member's admin send to another member's orderer (`target`), or to its own again
 * (undefined): a member that joined without an orderer of its own on the channel has no other.
 */
export function useOrderer(org: OrgSpec, target: OrdererTarget | undefined): void {
  const file = paths.org(org).ordererVia;
  if (target) writeFileSync(file, JSON.stringify(target, null, 2) + '\n');
  else rmSync(file, { force: true });
}

/** The orderer the member's admin sends to: its own, unless {@link useOrderer} named another. */
export function ordererOf(org: OrgSpec): OrdererTarget {
  const file = paths.org(org).ordererVia;
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as OrdererTarget;
  return { address: address(org, 'orderer'), tlsCaCert: tlsRoot(org) };
}

/** Arguments naming the member's orderer for `peer` commands that submit. */
export function ordererArgs(org: OrgSpec): string[] {
  const target = ordererOf(org);
  return ['-o', target.address, '--tls', '--cafile', target.tlsCaCert];
}

/** An answer of the orderer's channel participation API, as osnadmin prints it. */
interface OsnAnswer {
  status: number;
  body: unknown;
}

/**
 * Runs osnadmin as the member's admin (TLS client certificate from the member's TLS CA).
 * osnadmin exits 0 whatever HTTP status the orderer answers, so the status line it prints is
 * what tells success from failure.
 */
async function osnadmin(org: OrgSpec, args: string[]): Promise<OsnAnswer> {
  const tls = path.join(adminDir(org), 'tls');
  const out = await run(path.join(paths.bin, 'osnadmin'), [
    ...args,
    '-o',
    address(org, 'ordererAdmin'),
    '--ca-file',
    tlsRoot(org),
    '--client-cert',
    path.join(tls, 'server.crt'),
    '--client-key',
    path.join(tls, 'server.key'),
  ]);
  const match = /^Status: (\d+)\n([\s\S]*)$/.exec(out);
  if (!match) throw new Error(`osnadmin ${args.join(' ')}: unexpected output: ${out.trim()}`);
  const text = match[2]?.trim() ?? '';
  return { status: Number(match[1]), body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

function osnError(org: OrgSpec, what: string, answer: OsnAnswer): Error {
  const reason = (answer.body as { error?: string } | undefined)?.error ?? JSON.stringify(answer.body);
  return new Error(`${org.name}.orderer: ${what} answered ${answer.status}: ${reason}`);
}

export interface OrdererChannel {
  name: string;
  status?: string;
  consensusRelation?: string;
  height?: number;
}

/** The member's orderer's view of a channel, or undefined when it has not joined it. */
export async function ordererChannel(org: OrgSpec, channel = CHANNEL): Promise<OrdererChannel | undefined> {
  const answer = await osnadmin(org, ['channel', 'list', '--channelID', channel]);
  if (answer.status === 404) return undefined;
  if (answer.status !== 200) throw osnError(org, `channel list --channelID ${channel}`, answer);
  return answer.body as OrdererChannel;
}

/** Joins the member's orderer to the channel unless it has joined already; true when it joined now. */
export async function joinOrderer(org: OrgSpec, block: string): Promise<boolean> {
  if (await ordererChannel(org)) return false;
  const answer = await osnadmin(org, ['channel', 'join', '--channelID', CHANNEL, '--config-block', block]);
  if (answer.status !== 201) throw osnError(org, `channel join ${CHANNEL}`, answer);
  return true;
}

/**
 * Removes the channel from the member's orderer (a member the channel no longer lists as a
 * consenter); false when the orderer does not run or has no such channel.
 */
export async function removeOrdererFromChannel(org: OrgSpec): Promise<boolean> {
  const channel = await ordererChannel(org).catch(() => undefined);
  if (!channel) return false;
  const answer = await osnadmin(org, ['channel', 'remove', '--channelID', CHANNEL]);
  if (answer.status !== 204) throw osnError(org, `channel remove ${CHANNEL}`, answer);
  return true;
}

export async function peerChannels(org: OrgSpec): Promise<string[]> {
  const out = await peerCli(org, ['channel', 'list']);
  return out
    .split('\n')
    .slice(1)
    .map((line) => line.trim())
    .filter(Boolean);
}

export async function joinPeer(org: OrgSpec, block: string): Promise<boolean> {
  if ((await peerChannels(org)).includes(CHANNEL)) return false;
  await peerCli(org, ['channel', 'join', '-b', block]);
  return true;
}

/** The peer's ledger height on the channel. */
export async function peerHeight(org: OrgSpec): Promise<number> {
  const out = await peerCli(org, ['channel', 'getinfo', '-c', CHANNEL]);
  const info = JSON.parse(out.slice(out.indexOf('{'))) as { height: number };
  return info.height;
}

/** Every member's peer that discovery offers as an endorser of the chaincode, by MSP ID. */
interface EndorsementDescriptor {
  Chaincode: string;
  EndorsersByGroups: Record<string, { MSPID: string; Endpoint: string }[]>;
}

/**
 * The MSP IDs whose peers the member's peer's discovery service offers as endorsers of the
 * chaincode on the channel (what the peer's Gateway plans endorsements from). Throws while
 * discovery cannot satisfy the chaincode's endorsement policy at all.
 */
export async function discoveredEndorsers(org: OrgSpec, chaincode: string): Promise<string[]> {
  const msp = path.join(adminDir(org), 'msp');
  const out = await run(path.join(paths.bin, 'discover'), [
    '--peerTLSCA',
    tlsRoot(org),
    '--userKey',
    keyFile(msp),
    '--userCert',
    certFile(msp),
    '--MSP',
    org.mspId,
    'endorsers',
    '--channel',
    CHANNEL,
    '--chaincode',
    chaincode,
    '--server',
    address(org, 'peer'),
  ]);
  const descriptors = JSON.parse(out) as EndorsementDescriptor[];
  const endorsers = descriptors.flatMap((d) =>
    Object.values(d.EndorsersByGroups)
      .flat()
      .map((p) => p.MSPID),
  );
  return [...new Set(endorsers)].sort();
}
