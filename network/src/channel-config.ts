/**
 * Changing the channel's configuration the way Fabric members do: fetch the latest config block
 * from the orderer, decode it (configtxlator), change it, compute the update, collect the
 * signatures its modification policies ask for (`peer channel signconfigtx`, each member's admin
 * on its own), and submit it (`peer channel update`).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ordererArgs, peerCli, peerHeight } from './admin';
import { currentCrl } from './identities';
import { run } from './process';
import { asMember, CHANNEL, type OrgSpec, paths } from './topology';

/** A channel config as configtxlator decodes it (only the parts this module walks are typed). */
export interface ChannelConfig {
  channel_group: {
    groups: Record<string, { groups: Record<string, { values: Record<string, { value: unknown }> }> }>;
  };
}

const configtxlator = (args: string[]) => run(path.join(paths.bin, 'configtxlator'), args);

/** The channel's current config and the number of the block holding it, from the member's orderer. */
export async function fetchConfig(org: OrgSpec, dir: string): Promise<{ config: ChannelConfig; block: number }> {
  const block = path.join(dir, 'config.block');
  await peerCli(org, ['channel', 'fetch', 'config', block, '-c', CHANNEL, ...ordererArgs(org)]);
  const json = path.join(dir, 'config-block.json');
  await configtxlator(['proto_decode', '--input', block, '--type', 'common.Block', '--output', json]);
  const decoded = JSON.parse(readFileSync(json, 'utf8')) as {
    header: { number: string };
    data: { data: { payload: { data: { config: ChannelConfig } } }[] };
  };
  const config = decoded.data.data[0]?.payload.data.config;
  if (!config) throw new Error('the config block holds no config');
  return { config, block: Number(decoded.header.number) };
}

const CONFIG_COMMIT_MS = 30_000;

/** Waits until the orderer has cut a config block after `previous` and the member's own peer committed it. */
async function configCommitted(org: OrgSpec, dir: string, previous: number): Promise<void> {
  const deadline = Date.now() + CONFIG_COMMIT_MS;
  const pause = () => new Promise((resolve) => setTimeout(resolve, 250));
  let block = previous;
  while (block <= previous) {
    if (Date.now() > deadline) throw new Error('the orderer cut no block for the config update');
    await pause();
    block = (await fetchConfig(org, dir)).block;
  }
  while ((await peerHeight(org)) <= block) {
    if (Date.now() > deadline) throw new Error(`${org.name}.peer has not committed config block ${block}`);
    await pause();
  }
}

/**
 * Step 1 of a config update, by any member: applies `change` to the channel's current config
 * and writes the update, as an unsigned envelope, to `envelopeFile` (the file the members
 * exchange). Answers false, writing nothing, when the change leaves the config as it was.
 */
export async function proposeUpdate(
  org: OrgSpec,
  change: (config: ChannelConfig) => void,
  envelopeFile: string,
): Promise<boolean> {
  const dir = mkdtempSync(path.join(tmpdir(), 'config-update-'));
  try {
    const { config: original } = await fetchConfig(org, dir);
    const modified = JSON.parse(JSON.stringify(original)) as ChannelConfig;
    change(modified);
    if (JSON.stringify(modified) === JSON.stringify(original)) return false;
    const encode = async (name: string, config: unknown) => {
      writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(config));
      const out = path.join(dir, `${name}.pb`);
      await configtxlator([
        'proto_encode',
        '--input',
        path.join(dir, `${name}.json`),
        '--type',
        'common.Config',
        '--output',
        out,
      ]);
      return out;
    };
    const update = path.join(dir, 'update.pb');
    await configtxlator([
      'compute_update',
      '--channel_id',
      CHANNEL,
      '--original',
      await encode('original', original),
      '--updated',
      await encode('modified', modified),
      '--output',
      update,
    ]);
    await configtxlator([
      'proto_decode',
      '--input',
      update,
      '--type',
      'common.ConfigUpdate',
      '--output',
      `${update}.json`,
    ]);
    const envelope = {
      payload: {
        header: { channel_header: { channel_id: CHANNEL, type: 2 } },
        data: { config_update: JSON.parse(readFileSync(`${update}.json`, 'utf8')) as unknown },
      },
    };
    writeFileSync(path.join(dir, 'envelope.json'), JSON.stringify(envelope));
    await configtxlator([
      'proto_encode',
      '--input',
      path.join(dir, 'envelope.json'),
      '--type',
      'common.Envelope',
      '--output',
      envelopeFile,
    ]);
    return true;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Step 2, by each member whose admins must agree: its admin adds its signature to the envelope file. */
export async function signUpdate(org: OrgSpec, envelopeFile: string): Promise<void> {
  await peerCli(org, ['channel', 'signconfigtx', '-f', envelopeFile]);
}

/**
 * Step 3, by one member: its admin (or the identity in `mspDir`) adds its signature and sends
 * the update to the member's orderer; returns once the member's own peer has committed the new
 * config block (other members' peers follow on their own schedule).
 */
export async function submitUpdate(org: OrgSpec, envelopeFile: string, mspDir?: string): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'config-update-'));
  try {
    const { block } = await fetchConfig(org, dir);
    await peerCli(org, ['channel', 'update', '-f', envelopeFile, '-c', CHANNEL, ...ordererArgs(org)], mspDir);
    await configCommitted(org, dir, block);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A config update whose signers' admins all act here, each in its own step, the update passing
 * between them as a file: proposed and submitted by the first of `signers`, signed by the
 * others. Answers false when the change leaves the config as it was.
 */
export async function updateConfig(
  signers: readonly OrgSpec[],
  change: (config: ChannelConfig) => void,
): Promise<boolean> {
  const [submitter] = signers;
  if (!submitter) throw new Error('a config update needs at least one signer');
  const dir = mkdtempSync(path.join(tmpdir(), 'config-envelope-'));
  try {
    const envelope = path.join(dir, 'update.pb');
    if (!(await asMember(submitter, () => proposeUpdate(submitter, change, envelope)))) return false;
    for (const signer of signers.slice(1)) await asMember(signer, () => signUpdate(signer, envelope));
    await asMember(submitter, () => submitUpdate(submitter, envelope));
    return true;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The CRL change for a member: its CA's current CRL as the revocation list of its MSP definitions. */
export function withCrl(mspId: string, crlPem: string): (config: ChannelConfig) => void {
  const crl = Buffer.from(crlPem).toString('base64');
  return (config) => {
    for (const msp of memberMsps(config, mspId)) msp.revocation_list = [crl];
  };
}

/** The MSP config values of a member in the channel: as an application org and as an orderer org. */
export function memberMsps(config: ChannelConfig, mspId: string): { revocation_list?: string[] }[] {
  const msps: { revocation_list?: string[] }[] = [];
  for (const section of ['Application', 'Orderer']) {
    const value = config.channel_group.groups[section]?.groups[mspId]?.values.MSP?.value as
      { config: { revocation_list?: string[] } } | undefined;
    if (value) msps.push(value.config);
  }
  if (msps.length === 0) throw new Error(`${mspId} is not a member of channel ${CHANNEL}`);
  return msps;
}

/**
 * Carries the member CA's current CRL into the channel: the member's MSP definition (as an
 * application org and as an orderer org, which must stay identical) gets the CRL as its
 * revocation list. The MSP definition's modification policy is the member's own Admins, so the
 * member's admin alone signs. Once the config block commits, peers refuse proposals from a
 * revoked certificate and orderers refuse its transactions.
 */
export async function publishRevocations(org: OrgSpec): Promise<void> {
  const crl = await asMember(org, () => currentCrl(org));
  await updateConfig([org], withCrl(org.mspId, crl));
}
