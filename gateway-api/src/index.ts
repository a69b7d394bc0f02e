/**
 * The member's gateway process: reads its configuration and network.json, wires the CA, the
 * user store, the ledger connection and the HTTP app, listens, and shuts down on SIGTERM.
 * Logs are JSON lines without PHI or secrets.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Accounts, type Member } from './accounts';
import { fabricCa } from './ca';
import { loadConfig } from './config';
import { fabricLedger } from './fabric';
import { IdempotencyCache, fileJournal } from './idempotency';
import { Ledger } from './ledger';
import type { OrgKind } from './roles';
import { RateLimiter } from './rate-limit';
import { ledgerRoutes } from './routes';
import { eventRoutes } from './routes/events';
import { createServer } from './server';
import { fileUserStore } from './store';

interface NetworkOrg {
  name: string;
  mspId: string;
  kind: OrgKind;
  displayName: string;
  peer: { endpoint: string; hostAlias?: string; tlsCACert: string };
  ca: { url: string; caName: string; tlsCACert: string };
  admin: { cert: string; key: string };
}

const log = (entry: Record<string, unknown>) => {
  console.log(JSON.stringify({ time: new Date().toISOString(), ...entry }));
};

async function main(): Promise<void> {
  const config = loadConfig();
  const network = JSON.parse(readFileSync(config.networkJson, 'utf8')) as {
    channel: string;
    chaincode: string;
    orgs: NetworkOrg[];
  };
  const org = network.orgs.find((o) => o.name === config.org);
  if (!org) throw new Error(`EHR_GATEWAY_ORG ${config.org} is not a member in ${config.networkJson}`);
  // Paths in network.json are relative to the repository root, the folder above organizations/.
  const root = path.resolve(path.dirname(config.networkJson), '..');
  const read = (relative: string) => readFileSync(path.resolve(root, relative), 'utf8');
  const member: Member = { name: org.name, mspId: org.mspId, kind: org.kind, displayName: org.displayName };
  const adminIdentity = { certPem: read(org.admin.cert), keyPem: read(org.admin.key) };

  const ca = fabricCa({
    url: org.ca.url,
    caName: org.ca.caName,
    tlsCaCertPem: read(org.ca.tlsCACert),
    registrar: { name: 'admin', mspId: org.mspId, ...adminIdentity },
  });
  const port = fabricLedger({
    endpoint: org.peer.endpoint,
    tlsRootPem: read(org.peer.tlsCACert),
    hostAlias: org.peer.hostAlias,
    channel: network.channel,
    chaincode: network.chaincode,
    // The other members' published peer endpoints: two-step writes wait there between steps.
    otherPeers: network.orgs
      .filter((other) => other.name !== org.name)
      .map((other) => ({
        endpoint: other.peer.endpoint,
        tlsRootPem: read(other.peer.tlsCACert),
        hostAlias: other.peer.hostAlias,
      })),
  });
  const ledger = new Ledger(port);
  // Accounts use the ledger too: an invitation registers the patient or practitioner.
  const accounts = new Accounts(member, fileUserStore(config.dataDir), ca, ledger, config);
  const adminCode = await accounts.importAdmin(adminIdentity);
  if (adminCode) {
    // The operator finishes the admin's sign-up with this code; it is never logged.
    const file = path.join(config.dataDir, 'admin-enrolment-code');
    writeFileSync(file, `${adminCode}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    log({ level: 'info', msg: 'admin account created; its one-time enrolment code is in a file', file });
  }
  const ready = async () => {
    try {
      await ledger.ping({ mspId: org.mspId, ...adminIdentity });
      return true;
    } catch {
      return false;
    }
  };
  const limits = {
    perUser: config.eventStreamsPerUser,
    total: config.eventStreams,
    resumeBlocks: config.eventResumeBlocks,
  };
  const routes = [...ledgerRoutes({ accounts, ledger }), ...eventRoutes({ accounts, ledger, events: port, limits })];
  const idempotency = new IdempotencyCache(fileJournal(config.dataDir, config.keyEncryptionKey));
  const attempts = new RateLimiter({
    perAddress: config.signInRatePerAddress,
    total: config.signInRateTotal,
    windowMs: 60_000,
  });
  const app = createServer({ accounts, routes, ready, idempotency, attempts, maxBodyBytes: config.maxBodyBytes, log });
  const server = app.listen(config.port, config.host, () => {
    log({ level: 'info', msg: 'gateway listening', org: org.name, address: `http://${config.host}:${config.port}` });
  });
  const stop = () => {
    server.close(() => {
      port.close();
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  log({
    level: 'error',
    msg: 'gateway failed to start',
    error: error instanceof Error ? error.message : String(error),
  });
  process.exit(1);
});
