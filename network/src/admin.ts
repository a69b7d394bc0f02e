/**
 * Member administration through Fabric's CLIs, acting as the member's admin: channel
 * membership of orderers (osnadmin) and peers (peer channel), and the chaincode lifecycle.
 */
import path from 'node:path';
import { run } from './process';
import { address, CHANNEL, type OrgSpec, paths } from './topology';

function adminDir(org: OrgSpec): string {
  return paths.org(org).user('admin');
}

function tlsRoot(org: OrgSpec): string {
  return path.join(paths.org(org).peer, 'tls', 'ca.crt');
}

/** Environment for the `peer` CLI acting as the member's admin against its own peer. */
export function peerAdminEnv(org: OrgSpec): Record<string, string> {
  return {
    FABRIC_CFG_PATH: paths.fabricConfig,
    FABRIC_LOGGING_SPEC: 'warning',
    CORE_PEER_LOCALMSPID: org.mspId,
    CORE_PEER_MSPCONFIGPATH: path.join(adminDir(org), 'msp'),
    CORE_PEER_ADDRESS: address(org, 'peer'),
    CORE_PEER_TLS_ENABLED: 'true',
    CORE_PEER_TLS_ROOTCERT_FILE: tlsRoot(org),
  };
}

export function peerCli(org: OrgSpec, args: string[]): Promise<string> {
  return run(path.join(paths.bin, 'peer'), args, { env: peerAdminEnv(org) });
}

/** Arguments naming the member's orderer for `peer` commands that submit. */
export function ordererArgs(org: OrgSpec): string[] {
  return ['-o', address(org, 'orderer'), '--tls', '--cafile', tlsRoot(org)];
}

function osnadmin(org: OrgSpec, args: string[]): Promise<string> {
  const tls = path.join(adminDir(org), 'tls');
  return run(path.join(paths.bin, 'osnadmin'), [
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
}

/** Channels the member's orderer participates in, with their status. */
export async function ordererChannels(org: OrgSpec): Promise<{ name: string; status?: string; height?: number }[]> {
  const out = await osnadmin(org, ['channel', 'list']);
  const body = out.slice(out.indexOf('{'));
  const parsed = JSON.parse(body) as { channels?: { name: string }[] | null };
  const channels = parsed.channels ?? [];
  return Promise.all(
    channels.map(async ({ name }) => {
      const info = await osnadmin(org, ['channel', 'info', '--channelID', name]);
      return JSON.parse(info.slice(info.indexOf('{'))) as { name: string; status?: string; height?: number };
    }),
  );
}

export async function joinOrderer(org: OrgSpec, block: string): Promise<boolean> {
  if ((await ordererChannels(org)).some((c) => c.name === CHANNEL)) return false;
  await osnadmin(org, ['channel', 'join', '--channelID', CHANNEL, '--config-block', block]);
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
