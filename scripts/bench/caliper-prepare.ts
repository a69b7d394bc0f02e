/**
 * Writes the Caliper workspace's network files (bench/caliper/networks/, git-ignored) for the
 * running network: a patient of hospital A of its own (registered and bound, as workload (a)
 * needs the patient's own certificate), the peer-gateway connector's network configuration and
 * hospital A's connection profile (its peer, TLS root and host name from network.json), and the
 * workload's arguments (hospital B's demo doctor as the grantee).
 *
 *   npx tsx scripts/bench/caliper-prepare.ts && (cd bench/caliper && npm run bench)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { freshPatient, network } from '../../test/integration/helpers/network';
import { demoUsers, ORGS, paths } from '../../network/src/topology';

async function main(): Promise<void> {
  const json = network();
  const hospitalA = json.orgs.find((o) => o.name === 'hospital-a');
  const hospitalB = ORGS.find((o) => o.name === 'hospital-b');
  const doctor = hospitalB && demoUsers(hospitalB).find((u) => u.role === 'doctor');
  if (!hospitalA || !hospitalB || !doctor) throw new Error('network.json lacks hospital A or B, or B its doctor');
  const patient = await freshPatient('hospital-a', 'caliper');
  const dir = path.join(paths.root, 'bench', 'caliper', 'networks');
  mkdirSync(dir, { recursive: true });
  const peerName = `peer0.${hospitalA.name}`;
  const profile = {
    name: hospitalA.name,
    version: '1.0.0',
    client: { organization: hospitalA.mspId },
    organizations: { [hospitalA.mspId]: { mspid: hospitalA.mspId, peers: [peerName] } },
    peers: {
      [peerName]: {
        url: `grpcs://${hospitalA.peer.endpoint}`,
        // Relative paths in network.json are relative to the network's home (EHR_NETWORK_HOME).
        tlsCACerts: { path: path.resolve(paths.home, hospitalA.peer.tlsCACert) },
        grpcOptions: {
          'ssl-target-name-override': hospitalA.peer.hostAlias,
          hostnameOverride: hospitalA.peer.hostAlias,
        },
      },
    },
  };
  const config = {
    name: 'ehr-consortium',
    version: '2.0.0',
    caliper: { blockchain: 'fabric' },
    channels: [{ channelName: json.channel, contracts: [{ id: json.chaincode }] }],
    organizations: [
      {
        mspid: hospitalA.mspId,
        identities: {
          certificates: [
            {
              name: 'patient',
              clientPrivateKey: { path: path.resolve(patient.key) },
              clientSignedCert: { path: path.resolve(patient.cert) },
            },
          ],
        },
        connectionProfile: { path: path.join(dir, 'hospital-a-profile.yaml'), discover: false },
      },
    ],
  };
  writeFileSync(path.join(dir, 'hospital-a-profile.yaml'), YAML.stringify(profile));
  writeFileSync(path.join(dir, 'network.yaml'), YAML.stringify(config));
  const bench = {
    chaincode: json.chaincode,
    granteeMspId: hospitalB.mspId,
    granteePractitionerId: doctor.attrs['ehr.practitionerId'],
    patientId: patient.patientId,
  };
  writeFileSync(path.join(dir, 'bench.json'), JSON.stringify(bench, null, 2) + '\n');
  console.log(`Caliper network files written to ${path.relative(process.cwd(), dir)} (patient ${patient.patientId})`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
