/** A gateway app over a stand-in CA and a stand-in Fabric port, for HTTP-level unit tests. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import { Accounts, type Member } from '../../../gateway-api/src/accounts';
import { totp } from '../../../gateway-api/src/auth/totp';
import type { CertificateAuthority, Registration } from '../../../gateway-api/src/ca';
import { type CodeDelivery, outboxDelivery, readOutbox } from '../../../gateway-api/src/delivery';
import type { LedgerCall, LedgerPort, TransactionOutcome, UserIdentity } from '../../../gateway-api/src/fabric';
import { fileJournal, IdempotencyCache } from '../../../gateway-api/src/idempotency';
import { Ledger } from '../../../gateway-api/src/ledger';
import type { EventSource, StreamLimits } from '../../../gateway-api/src/events';
import type { MemberHealth } from '../../../gateway-api/src/health';
import { DEFAULT_RATE_LIMITS, RateLimiter, type RateLimits } from '../../../gateway-api/src/rate-limit';
import { DEFAULT_HEIGHT_OPTIONS, type HeightOptions, PeerHeight } from '../../../gateway-api/src/read-your-writes';
import { ledgerRoutes, servedRoutes } from '../../../gateway-api/src/routes';
import { healthRoutes } from '../../../gateway-api/src/routes/health';
import { createServer } from '../../../gateway-api/src/server';
import { fileMessageStore, type MessageStore } from '../../../gateway-api/src/messages';
import { fileUserStore } from '../../../gateway-api/src/store';
import { ChaincodePort } from './chaincode-port';

/** A stand-in CA: records registrations, enrols each once. */
export class StandInCa implements CertificateAuthority {
  readonly registered = new Map<string, { registration: Registration; secret: string; enrolled: boolean }>();

  /** Fails the next registrations while set. */
  failure: Error | undefined;

  register(registration: Registration): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    const secret = `secret-${registration.name}`;
    this.registered.set(registration.name, { registration, secret, enrolled: false });
    return Promise.resolve(secret);
  }

  enroll(name: string, secret: string) {
    const entry = this.registered.get(name);
    if (entry?.secret !== secret || entry.enrolled) return Promise.reject(new Error('Authentication failure'));
    entry.enrolled = true;
    return Promise.resolve({ certPem: `CERT OF ${name}`, keyPem: `PRIVATE KEY OF ${name}` });
  }
}

/**
 * A stand-in Fabric port: records every call; answers from `answers` by function name, else
 * from the `backend` (the real chaincode, see chaincode-port.ts) when there is one.
 */
export class StandInPort implements LedgerPort {
  readonly calls: { kind: 'submit' | 'evaluate'; identity: UserIdentity; call: LedgerCall }[] = [];
  readonly answers = new Map<string, unknown>();
  /** Fails every call. */
  failure: Error | undefined;
  /** Fails the calls of one chaincode function, until removed. */
  readonly failures = new Map<string, Error>();
  /** Lets the calls of one chaincode function commit, then loses their answer, until removed. */
  readonly lostAnswers = new Map<string, Error>();

  constructor(private readonly backend?: (LedgerPort & { height(): bigint }) | undefined) {}

  /** The last block of the stand-in's own answers (a backend numbers its blocks itself). */
  #block = 0n;

  /** The chain's height: the number of its next block. */
  height(): bigint {
    return this.backend ? this.backend.height() : this.#block + 1n;
  }

  #fault(call: LedgerCall): Error | undefined {
    return this.failure ?? this.failures.get(call.fn);
  }

  #answer(call: LedgerCall): Uint8Array {
    const answer = this.answers.get(call.fn);
    return Buffer.from(answer === undefined ? '' : JSON.stringify(answer));
  }

  async submit(identity: UserIdentity, call: LedgerCall) {
    this.calls.push({ kind: 'submit', identity, call });
    const fault = this.#fault(call);
    if (fault) throw fault;
    let answer;
    if (this.backend && !this.answers.has(call.fn)) answer = await this.backend.submit(identity, call);
    else {
      answer = { payload: this.#answer(call), txId: `tx-${this.calls.length}`, blockNumber: (this.#block += 1n) };
      call.sending?.(answer.txId);
      this.#outcomes.set(answer.txId, { code: 0, payload: answer.payload, blockNumber: answer.blockNumber });
    }
    const lost = this.lostAnswers.get(call.fn);
    if (lost) throw lost;
    return answer;
  }

  readonly #outcomes = new Map<string, TransactionOutcome>();

  /** Transactions looked up by id (outcome unknown to the gateway), in order. */
  readonly lookedUp: string[] = [];

  async transaction(identity: UserIdentity, txId: string) {
    this.lookedUp.push(txId);
    return this.#outcomes.get(txId) ?? (await this.backend?.transaction(identity, txId));
  }

  /** Each transaction the ledger layer waited for on the other members' peers, and how many calls were made before. */
  readonly settled: { txId: string; afterCalls: number }[] = [];

  settle(_identity: UserIdentity, txId: string) {
    this.settled.push({ txId, afterCalls: this.calls.length });
    return Promise.resolve();
  }

  async evaluate(identity: UserIdentity, call: LedgerCall) {
    this.calls.push({ kind: 'evaluate', identity, call });
    const fault = this.#fault(call);
    if (fault) throw fault;
    if (this.backend && !this.answers.has(call.fn)) return this.backend.evaluate(identity, call);
    return Promise.resolve(this.#answer(call));
  }

  /** The calls made since `mark` (a length of `calls`). */
  since(mark: number) {
    return this.calls.slice(mark);
  }
}

export const HOSPITAL_A: Member = {
  name: 'hospital-a',
  mspId: 'HospitalAMSP',
  kind: 'hospital',
  displayName: 'Hospital A',
};

export interface HarnessOptions {
  member?: Member;
  /** Where ledger calls go that have no stand-in answer (e.g. a ChaincodePort). */
  backend?: LedgerPort & { height(): bigint };
  /** How long a request naming a block (Ehr-Min-Block) waits, and how often the peer is asked meanwhile. */
  heights?: Partial<HeightOptions>;
  /** Mounts the event stream too (it holds a request open, so only where a test wants it). */
  events?: EventSource;
  /** Limits on sign-in attempts (counted on the harness's clock); the gateway's defaults unless given. */
  limits?: RateLimits;
  /** Limits on event streams; the gateway's defaults unless given. */
  streams?: StreamLimits;
  /** Aborted when the gateway stops (ends the open event streams). */
  stopping?: AbortSignal;
  /** Where enrolment codes go, given the data folder; the outbox there unless given. */
  delivery?: (dataDir: string) => CodeDelivery;
  /** Account settings other than SETTINGS' (e.g. a short token lifetime). */
  settings?: Partial<typeof SETTINGS>;
  /** A built web portal to serve at / (none unless given). */
  portalDir?: string;
  /** The member's node health check (GET /v1/org/health); the route answers 503 without one. */
  health?: () => Promise<MemberHealth>;
}

export const PASSWORD = 'a long enough passphrase';

/** What an invitation of the role carries for the ledger. */
export function detailsFor(username: string, role: string): object {
  if (role === 'patient') return { demographics: { name: `Patient ${username}`, dateOfBirth: '1980-04-01' } };
  if (role === 'doctor' || role === 'labtech') return { practitioner: { licenceNo: `LIC-${username}` } };
  return {};
}
const ADMIN_CERT = 'ADMIN CERT';

export const SETTINGS = {
  keyEncryptionKey: Buffer.alloc(32, 7),
  tokenSecret: Buffer.alloc(32, 9),
  tokenTtlSeconds: 900,
  enrolmentTtlHours: 72,
  signInAttempts: 5,
};

/** One member's gateway over a stand-in CA and a stand-in (or chaincode-backed) ledger port. */
export class Harness {
  now = Date.parse('2026-05-01T10:00:00Z');
  readonly ca = new StandInCa();
  readonly port: StandInPort;
  readonly dir = mkdtempSync(path.join(tmpdir(), 'gw-'));
  readonly member: Member;
  accounts!: Accounts;
  messages!: MessageStore;
  app!: Express;
  /** How many blocks the member's peer is behind the chain (it commits each block on its own schedule). */
  lag = 0n;
  /** The member's peer's height as the gateway caches it. */
  blocks!: PeerHeight;
  readonly totps = new Map<string, string>();

  constructor(private readonly options: HarnessOptions = {}) {
    this.member = options.member ?? HOSPITAL_A;
    this.port = new StandInPort(options.backend);
    // Without the chaincode, the stand-in answers what registering a patient needs.
    if (!options.backend)
      this.port.answers.set('StoreDemographics', { patientId: 'PAT-STAND-IN', demographicsHash: 'd'.repeat(64) });
    this.restart();
  }

  /** Starts the gateway (again) over the same data folder, CA and ledger, as a restarted process would. */
  restart(): void {
    const ledger = new Ledger(this.port);
    const settings = { ...SETTINGS, ...this.options.settings };
    const delivery = this.options.delivery?.(this.dir) ?? outboxDelivery(this.dir);
    const store = fileUserStore(this.dir);
    this.accounts = new Accounts(this.member, store, this.ca, ledger, delivery, settings, () => this.now);
    // The hospital's secure messages, in the data folder as the gateway keeps them.
    this.messages = fileMessageStore(this.dir, settings.keyEncryptionKey, () => this.now);
    const deps = { accounts: this.accounts, ledger, messages: this.messages };
    const { events, streams, stopping } = this.options;
    const limits = { ...(streams ? { limits: streams } : {}), ...(stopping ? { stopping } : {}) };
    // With an event source, every route the gateway process serves (routes/index.ts).
    const { health } = this.options;
    const routes = events
      ? servedRoutes({ ...deps, events, retryMs: 10, ...limits, health })
      : [...ledgerRoutes(deps), ...healthRoutes({ health })];
    const peer = {
      height: () => Promise.resolve(this.port.height() - this.lag),
      // No block stream: the cache learns of new blocks by asking the peer (or a test's `observe`).
      blocks: () => Promise.reject(new Error('no block stream in the harness')),
    };
    this.blocks = new PeerHeight(peer, { ...DEFAULT_HEIGHT_OPTIONS, pollMs: 20, ...this.options.heights });
    this.app = createServer({
      accounts: this.accounts,
      blocks: this.blocks,
      routes,
      ready: () => Promise.resolve(true),
      maxBodyBytes: 256 * 1024,
      log: () => undefined,
      attempts: new RateLimiter(this.options.limits ?? DEFAULT_RATE_LIMITS, () => this.now),
      // As the gateway keeps it: journalled in the data folder, so a restart remembers it.
      idempotency: new IdempotencyCache(fileJournal(this.dir, settings.keyEncryptionKey)),
      ...(this.options.portalDir === undefined ? {} : { portalDir: this.options.portalDir }),
    });
  }

  /** A request with the user's token. */
  as(token: string) {
    const agent = request(this.app);
    const auth = (test: request.Test) => test.set('authorization', `Bearer ${token}`);
    return {
      get: (url: string) => auth(agent.get(url)),
      post: (url: string) => auth(agent.post(url)),
      put: (url: string) => auth(agent.put(url)),
      delete: (url: string) => auth(agent.delete(url)),
    };
  }

  /** Signs a user in again (at the next TOTP step) and returns the new token. */
  async signIn(username: string): Promise<string> {
    this.now += 30_000;
    const session = await request(this.app)
      .post('/v1/sessions')
      .send({ username, password: PASSWORD, code: this.code(username) })
      .expect(201);
    return session.body.token as string;
  }

  /** Completes sign-up for a user with an enrolment code and returns a signed-in token. */
  async activate(username: string, enrolmentCode: string): Promise<string> {
    const signup = await request(this.app)
      .post('/v1/signup')
      .send({ username, enrolmentCode, password: PASSWORD })
      .expect(200);
    this.totps.set(username, signup.body.totpSecret as string);
    await request(this.app)
      .post('/v1/signup/totp')
      .send({ username, enrolmentCode, code: this.code(username) })
      .expect(204);
    this.now += 30_000;
    const session = await request(this.app)
      .post('/v1/sessions')
      .send({ username, password: PASSWORD, code: this.code(username) })
      .expect(201);
    return session.body.token as string;
  }

  /** The certificate's subject and attributes, as the stand-in CA issued them (for a ChaincodePort). */
  callerOf(identity: UserIdentity): { mspId: string; cn: string; attrs: Record<string, string> } {
    if (identity.certPem === ADMIN_CERT) return { mspId: identity.mspId, cn: 'admin', attrs: { 'ehr.role': 'admin' } };
    const name = identity.certPem.replace(/^CERT OF /, '');
    const attrs = this.ca.registered.get(name)?.registration.attrs;
    if (!attrs) throw new Error(`the stand-in CA of ${this.member.name} issued no ${identity.certPem}`);
    return { mspId: identity.mspId, cn: name, attrs };
  }

  /** The enrolment id the gateway registered the user under at the CA (the username for older records). */
  enrolmentIdOf(username: string): string {
    const users = JSON.parse(readFileSync(path.join(this.dir, 'users.json'), 'utf8')) as Record<
      string,
      { enrollmentId?: string } | undefined
    >;
    return users[username]?.enrollmentId ?? username;
  }

  code(username: string): string {
    return totp(this.totps.get(username) ?? '', this.now);
  }

  async adminToken(): Promise<string> {
    const code = await this.accounts.importAdmin({ certPem: ADMIN_CERT, keyPem: 'ADMIN KEY' });
    return this.activate('admin', code ?? '');
  }

  /** Invites a user with the details their role needs (a patient's demographics, a practitioner's licence). */
  invite(token: string, username: string, role: string, details: object = detailsFor(username, role)): request.Test {
    return request(this.app)
      .post('/v1/users')
      .set('authorization', `Bearer ${token}`)
      .send({ username, role, ...details });
  }

  /** The enrolment code in the user's outbox, as the user reads it there. */
  enrolmentCode(username: string): string {
    const code = readOutbox(this.dir, username);
    if (code === undefined) throw new Error(`no enrolment code in the outbox of ${username}`);
    return code;
  }

  /** Invites and activates a user of the role (with the code from their outbox); returns their token. */
  async user(adminToken: string, username: string, role: string): Promise<string> {
    await this.invite(adminToken, username, role).expect(201);
    return this.activate(username, this.enrolmentCode(username));
  }
}

export const MEMBERS = {
  hospitalA: HOSPITAL_A,
  hospitalB: { name: 'hospital-b', mspId: 'HospitalBMSP', kind: 'hospital', displayName: 'Hospital B' },
  lab: { name: 'lab', mspId: 'LabMSP', kind: 'lab', displayName: 'Lab' },
  insurer: { name: 'insurer', mspId: 'InsurerMSP', kind: 'insurer', displayName: 'Insurer' },
} satisfies Record<string, Member>;

/**
 * Every member's gateway over one ledger that runs the real chaincode; with `events`, each
 * gateway streams events from that source (one chain, so one source may serve them all).
 */
export function consortium(
  options: { events?: EventSource; heights?: Partial<HeightOptions>; health?: () => Promise<MemberHealth> } = {},
): { chain: ChaincodePort } & Record<keyof typeof MEMBERS, Harness> {
  const gateways = new Map<string, Harness>();
  const chain = new ChaincodePort((identity) => {
    const gateway = gateways.get(identity.mspId);
    if (!gateway) throw new Error(`no gateway of ${identity.mspId}`);
    return gateway.callerOf(identity);
  });
  const of = (member: Member) => {
    const gateway = new Harness({
      member,
      backend: chain,
      ...(options.events ? { events: options.events } : {}),
      ...(options.heights ? { heights: options.heights } : {}),
      ...(options.health ? { health: options.health } : {}),
    });
    gateways.set(member.mspId, gateway);
    return gateway;
  };
  return {
    chain,
    hospitalA: of(MEMBERS.hospitalA),
    hospitalB: of(MEMBERS.hospitalB),
    lab: of(MEMBERS.lab),
    insurer: of(MEMBERS.insurer),
  };
}
