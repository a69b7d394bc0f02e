import {
  admit,
  anchorPeer,
  applicationMembers,
  bftQuorum,
  blockValidationPolicy,
  type ChannelConfigJson,
  type ConfigGroupJson,
  type ConsenterJson,
  consenters,
  remove,
} from '../../../network/src/membership';

const FOUNDERS = ['HospitalAMSP', 'HospitalBMSP', 'LabMSP', 'InsurerMSP'];

function orgGroup(mspId: string, withEndpoints = true): ConfigGroupJson {
  return {
    groups: {},
    mod_policy: 'Admins',
    policies: { Admins: { mod_policy: 'Admins', policy: { type: 1, value: { mspid: mspId } } } },
    values: {
      MSP: { mod_policy: 'Admins', value: { config: { name: mspId } } },
      ...(withEndpoints ? { Endpoints: { mod_policy: 'Admins', value: { addresses: [`${mspId}:7050`] } } } : {}),
    },
  };
}

const orderer = (mspId: string): Omit<ConsenterJson, 'id'> => ({
  host: '127.0.1.1',
  port: 7000 + mspId.length,
  msp_id: mspId,
  identity: Buffer.from(`cert of ${mspId}`).toString('base64'),
  client_tls_cert: 'tls',
  server_tls_cert: 'tls',
});
const consenter = (mspId: string, id: number): ConsenterJson => ({ id, ...orderer(mspId) });

/** A channel config of the founding members, each an application and an orderer org with a consenter. */
function founded(): ChannelConfigJson {
  const mapping = FOUNDERS.map((m, i) => consenter(m, i + 1));
  return {
    channel_group: {
      groups: {
        Application: {
          groups: Object.fromEntries(FOUNDERS.map((m) => [m, orgGroup(m, false)])),
          values: {},
          policies: {},
        },
        Orderer: {
          groups: Object.fromEntries(FOUNDERS.map((m) => [m, orgGroup(m)])),
          values: { Orderers: { mod_policy: 'Admins', value: { consenter_mapping: mapping } } },
          policies: { BlockValidation: { mod_policy: 'Admins', policy: blockValidationPolicy(mapping) } },
        },
      },
      values: {},
      policies: {},
    },
  };
}

const blockValidation = (config: ChannelConfigJson) =>
  config.channel_group.groups.Orderer?.policies.BlockValidation as {
    mod_policy: string;
    policy: ReturnType<typeof blockValidationPolicy>;
  };

describe('BFT quorum', () => {
  it.each([
    [4, 3],
    [5, 4],
    [6, 4],
    [7, 5],
    [10, 7],
  ])('of %i consenters is %i, as Fabric computes it', (n, quorum) => {
    expect(bftQuorum(n)).toBe(quorum);
  });
});

describe('admitting a member', () => {
  const newcomer = { mspId: 'HospitalCMSP', orgGroup: orgGroup('HospitalCMSP') };

  it('adds its org to the application group only, without orderer endpoints, when it brings no orderer', () => {
    const config = founded();
    admit(newcomer)(config);
    expect(applicationMembers(config)).toEqual([...FOUNDERS, 'HospitalCMSP'].sort());
    const added = config.channel_group.groups.Application?.groups.HospitalCMSP;
    expect(Object.keys(added?.values ?? {})).toEqual(['MSP']);
    expect(config.channel_group.groups.Orderer?.groups.HospitalCMSP).toBeUndefined();
    expect(consenters(config)).toHaveLength(4);
    expect(blockValidation(config).policy.value.rule.n_out_of.n).toBe(3);
  });

  it('with its orderer, adds it as the fifth consenter and makes four of five sign each block', () => {
    const config = founded();
    admit({ ...newcomer, consenter: orderer('HospitalCMSP') })(config);
    expect(config.channel_group.groups.Orderer?.groups.HospitalCMSP?.values.Endpoints).toBeDefined();
    expect(consenters(config).map((c) => [c.id, c.msp_id])).toEqual([
      [1, 'HospitalAMSP'],
      [2, 'HospitalBMSP'],
      [3, 'LabMSP'],
      [4, 'InsurerMSP'],
      [5, 'HospitalCMSP'],
    ]);
    const policy = blockValidation(config);
    expect(policy.mod_policy).toBe('Admins');
    expect(policy.policy.value.rule.n_out_of).toEqual({
      n: 4,
      rules: [0, 1, 2, 3, 4].map((i) => ({ signed_by: i })),
    });
    expect(policy.policy.value.identities[4]).toEqual({
      principal_classification: 'IDENTITY',
      principal: { mspid: 'HospitalCMSP', id_bytes: orderer('HospitalCMSP').identity },
    });
  });

  it('refuses a member the channel has already', () => {
    const config = founded();
    expect(() => {
      admit({ mspId: 'LabMSP', orgGroup: orgGroup('LabMSP') })(config);
    }).toThrow('LabMSP is a member of the channel already');
  });
});

describe('removing a member', () => {
  it('removes its orgs and consenter and makes the quorum that of the consenters left', () => {
    const config = founded();
    admit({ mspId: 'HospitalCMSP', orgGroup: orgGroup('HospitalCMSP'), consenter: orderer('HospitalCMSP') })(config);
    remove('HospitalCMSP')(config);
    expect(applicationMembers(config)).toEqual([...FOUNDERS].sort());
    expect(config.channel_group.groups.Orderer?.groups.HospitalCMSP).toBeUndefined();
    expect(consenters(config).map((c) => c.msp_id)).toEqual(FOUNDERS);
    expect(blockValidation(config).policy).toEqual(blockValidationPolicy(consenters(founded())));
  });

  it('refuses to leave fewer than four consenters, and to remove a stranger', () => {
    expect(() => {
      remove('LabMSP')(founded());
    }).toThrow("removing LabMSP's orderer would leave 3 consenters; BFT needs 4 to tolerate one fault");
    expect(() => {
      remove('StrangerMSP')(founded());
    }).toThrow('StrangerMSP is not a member of the channel');
  });
});

describe('anchor peer', () => {
  it("sets the member's anchor peer under its own admins' policy, keeping the value's version", () => {
    const config = founded();
    const org = config.channel_group.groups.Application?.groups.LabMSP;
    org!.values.AnchorPeers = { mod_policy: 'Admins', value: { anchor_peers: [] }, version: '2' };
    anchorPeer('LabMSP', '127.0.1.3', 7301)(config);
    expect(org?.values.AnchorPeers).toEqual({
      mod_policy: 'Admins',
      version: '2',
      value: { anchor_peers: [{ host: '127.0.1.3', port: 7301 }] },
    });
    expect(() => {
      anchorPeer('HospitalCMSP', '127.0.1.5', 7501)(config);
    }).toThrow('HospitalCMSP is not a member of the channel');
  });
});
