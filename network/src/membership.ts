/**
 * The channel configuration changes that admit or remove a member, on the config as
 * configtxlator decodes it (JSON). Pure: the steps in join.ts fetch, propose, sign and submit.
 *
 * A member is an application organization (its peers endorse and read; its admins sign
 * updates) and, when it runs an orderer on the channel, an orderer organization with its
 * orderer in the SmartBFT consenter mapping. Adding or removing a consenter also changes the
 * Orderer group's BlockValidation policy: with BFT a block is valid when a quorum of the
 * consenters signed it, and the quorum depends on their number (Fabric's
 * EncodeBFTBlockVerificationPolicy: ⌈(n + f + 1) / 2⌉ of n, f = ⌊(n − 1) / 3⌋).
 */

/** A config group as configtxlator prints it (only the parts this module reads and writes). */
export interface ConfigGroupJson {
  groups: Record<string, ConfigGroupJson>;
  values: Record<string, { mod_policy?: string; value: unknown; version?: string }>;
  policies: Record<string, { mod_policy?: string; policy: unknown; version?: string }>;
  mod_policy?: string;
  version?: string;
}

export interface ChannelConfigJson {
  channel_group: ConfigGroupJson;
}

/** A SmartBFT consenter as the Orderers value lists it (certificates base64-encoded PEM). */
export interface ConsenterJson {
  id: number;
  host: string;
  port: number;
  msp_id: string;
  identity: string;
  client_tls_cert: string;
  server_tls_cert: string;
}

function group(config: ChannelConfigJson, name: 'Application' | 'Orderer'): ConfigGroupJson {
  const found = config.channel_group.groups[name];
  if (!found) throw new Error(`the channel config has no ${name} group`);
  return found;
}

function orderersValue(config: ChannelConfigJson): { consenter_mapping: ConsenterJson[] } {
  const value = group(config, 'Orderer').values.Orderers?.value as { consenter_mapping?: ConsenterJson[] } | undefined;
  if (!value?.consenter_mapping) throw new Error('the channel config has no BFT consenter mapping');
  return value as { consenter_mapping: ConsenterJson[] };
}

/** The MSP IDs of the channel's application organizations (its members), sorted. */
export function applicationMembers(config: ChannelConfigJson): string[] {
  return Object.keys(group(config, 'Application').groups).sort();
}

/** The channel's consenters. */
export function consenters(config: ChannelConfigJson): ConsenterJson[] {
  return orderersValue(config).consenter_mapping;
}

/** Size of a BFT quorum of `n` consenters (Fabric's ComputeBFTQuorum with f = ⌊(n − 1) / 3⌋). */
export function bftQuorum(n: number): number {
  const f = Math.floor((n - 1) / 3);
  return Math.ceil((n + f + 1) / 2);
}

/** The BlockValidation policy for these consenters: a quorum of them, each by its own identity. */
export function blockValidationPolicy(mapping: readonly ConsenterJson[]) {
  return {
    type: 1,
    value: {
      version: 0,
      rule: { n_out_of: { n: bftQuorum(mapping.length), rules: mapping.map((_, i) => ({ signed_by: i })) } },
      identities: mapping.map((c) => ({
        principal_classification: 'IDENTITY',
        principal: { mspid: c.msp_id, id_bytes: c.identity },
      })),
    },
  };
}

function setConsenters(config: ChannelConfigJson, mapping: ConsenterJson[]): void {
  orderersValue(config).consenter_mapping = mapping;
  const orderer = group(config, 'Orderer');
  const current = orderer.policies.BlockValidation;
  if (!current) throw new Error('the channel config has no BlockValidation policy');
  orderer.policies.BlockValidation = { ...current, policy: blockValidationPolicy(mapping) };
}

/** What a newcomer brings: its organization group (configtxgen -printOrg) and, optionally, its consenter. */
export interface Newcomer {
  mspId: string;
  /** Its org group as `configtxgen -printOrg` prints it (MSP, policies, orderer endpoints). */
  orgGroup: ConfigGroupJson;
  /** Its orderer, to add as a consenter (`join propose --orderer`); its id is chosen here. */
  consenter?: Omit<ConsenterJson, 'id'>;
}

/**
 * The change that admits a member: its org group into the Application group (without orderer
 * endpoints, which belong to orderer orgs), and with a consenter, into the Orderer group as
 * well, its orderer appended to the consenter mapping (next free id) and BlockValidation made
 * the new quorum. Throws when the MSP is a member already.
 */
export function admit(newcomer: Newcomer): (config: ChannelConfigJson) => void {
  return (config) => {
    if (applicationMembers(config).includes(newcomer.mspId)) {
      throw new Error(`${newcomer.mspId} is a member of the channel already`);
    }
    // Orderer endpoints belong to an orderer organization only.
    const applicationValues = Object.fromEntries(
      Object.entries(newcomer.orgGroup.values).filter(([name]) => name !== 'Endpoints'),
    );
    group(config, 'Application').groups[newcomer.mspId] = { ...newcomer.orgGroup, values: applicationValues };
    if (!newcomer.consenter) return;
    group(config, 'Orderer').groups[newcomer.mspId] = newcomer.orgGroup;
    const mapping = consenters(config);
    const id = Math.max(0, ...mapping.map((c) => c.id)) + 1;
    setConsenters(config, [...mapping, { id, ...newcomer.consenter }]);
  };
}

/**
 * The change that removes a member: its org from the Application and Orderer groups and its
 * orderer from the consenters (BlockValidation made the new quorum). Throws when it is not a
 * member, or when removing it would leave fewer than four consenters (BFT then tolerates no
 * fault).
 */
export function remove(mspId: string): (config: ChannelConfigJson) => void {
  return (config) => {
    if (!applicationMembers(config).includes(mspId)) throw new Error(`${mspId} is not a member of the channel`);
    for (const name of ['Application', 'Orderer'] as const) {
      const parent = group(config, name);
      parent.groups = Object.fromEntries(Object.entries(parent.groups).filter(([org]) => org !== mspId));
    }
    const mapping = consenters(config);
    const left = mapping.filter((c) => c.msp_id !== mspId);
    if (left.length === mapping.length) return;
    if (left.length < 4) {
      throw new Error(
        `removing ${mspId}'s orderer would leave ${String(left.length)} consenters; BFT needs 4 to tolerate one fault`,
      );
    }
    setConsenters(config, left);
  };
}

/** The change a member makes alone: its anchor peer (where other members' peers reach it by gossip). */
export function anchorPeer(mspId: string, host: string, port: number): (config: ChannelConfigJson) => void {
  return (config) => {
    const org = group(config, 'Application').groups[mspId];
    if (!org) throw new Error(`${mspId} is not a member of the channel`);
    org.values.AnchorPeers = {
      ...org.values.AnchorPeers,
      mod_policy: 'Admins',
      value: { anchor_peers: [{ host, port }] },
    };
  };
}
