/**
 * The member's gateway process: reads its configuration and network.json, wires the CA, the
 * user store, the ledger connection and the HTTP app, listens, and shuts down on SIGTERM.
 * Logs are JSON lines without PHI or secrets.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Accounts } from './accounts';
import { fabricCa } from './ca';
import { loadConfig } from './config';
import { outboxDelivery } from './delivery';
import { fabricLedger } from './fabric';
import { memberHealth } from './health';
import { IdempotencyCache, fileJournal } from './idempotency';
import { Ledger } from './ledger';
import { fileMessageStore } from './messages';
import { loadMemberSetup } from './network-config';
import { RateLimiter } from './rate-limit';
import { DEFAULT_HEIGHT_OPTIONS, PeerHeight } from './read-your-writes';
import { servedRoutes } from './routes';
import { createServer, stopServer } from './server';
import { fileUserStore } from './store';

const log = (entry: Record<string, unknown>) => {
  console.log(JSON.stringify({ time: new Date().toISOString(), ...entry }));
};

async function main(): Promise<void> {
  const config = loadConfig();
  // The registrar and the member-admin user, never the member's MSP admin (see network-config.ts).
  const setup = loadMemberSetup(config.networkJson, config.org);
  const { member, registrar, memberAdmin } = setup;
  const ca = fabricCa({ ...setup.ca, registrar: { name: 'registrar', ...registrar } });
  const port = fabricLedger({
    ...setup.peer,
    channel: setup.channel,
    chaincode: setup.chaincode,
    // The other members' published peer endpoints: two-step writes wait there between steps.
    otherPeers: setup.otherPeers,
    commitTimeoutMs: config.commitTimeoutMs,
    minBlockWaitMs: config.minBlockWaitMs,
  });
  const ledger = new Ledger(port);
  // Accounts use the ledger too: an invitation registers the patient or practitioner.
  // Enrolment codes go to users through the outbox under the data folder (a mailer may send them on).
  const delivery = outboxDelivery(config.dataDir);
  const accounts = new Accounts(member, fileUserStore(config.dataDir), ca, ledger, delivery, config);
  const adminCode = await accounts.importAdmin(memberAdmin);
  if (adminCode) {
    // The operator finishes the admin's sign-up with this code; it is never logged.
    const file = path.join(config.dataDir, 'admin-enrolment-code');
    writeFileSync(file, `${adminCode}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    log({ level: 'info', msg: 'admin account created; its one-time enrolment code is in a file', file });
  }
  const ready = async () => {
    try {
      await ledger.ping(memberAdmin);
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
  // Aborted on SIGTERM/SIGINT: the open event streams end, so the process stops at once.
  const streams = new AbortController();
  // The peer's height, kept by following its blocks, for requests that name a block (Ehr-Min-Block).
  const blocks = new PeerHeight(port.blockSource(memberAdmin), {
    ...DEFAULT_HEIGHT_OPTIONS,
    waitMs: config.minBlockWaitMs,
  });
  void blocks.follow(streams.signal);
  // Secure messages stay here, sealed under the operator's key (a hospital's patients' only).
  const messages = fileMessageStore(config.dataDir, config.keyEncryptionKey);
  const health = memberHealth(setup.nodes, {
    peerHeight: () => port.blockSource(memberAdmin).height(),
    chaincodeAnswers: () => ledger.ping(memberAdmin),
  });
  const routes = servedRoutes({ accounts, ledger, messages, events: port, limits, stopping: streams.signal, health });
  const idempotency = new IdempotencyCache(fileJournal(config.dataDir, config.keyEncryptionKey));
  const attempts = new RateLimiter({
    perAddress: config.signInRatePerAddress,
    total: config.signInRateTotal,
    windowMs: 60_000,
  });
  const app = createServer({
    accounts,
    routes,
    ready,
    idempotency,
    attempts,
    blocks,
    maxBodyBytes: config.maxBodyBytes,
    portalDir: config.portalDir,
    log,
  });
  const server = app.listen(config.port, config.host, () => {
    log({ level: 'info', msg: 'gateway listening', org: member.name, address: `http://${config.host}:${config.port}` });
  });
  const stop = () => {
    log({ level: 'info', msg: 'gateway stopping' });
    stopServer(server, streams)
      .catch((error: unknown) => {
        log({
          level: 'error',
          msg: 'gateway stopped uncleanly',
          error: error instanceof Error ? error.name : 'unknown',
        });
      })
      .finally(() => {
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
