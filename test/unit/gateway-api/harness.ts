/** A gateway app over a stand-in CA and a stand-in Fabric port, for HTTP-level unit tests. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import { Accounts, type Member } from '../../../gateway-api/src/accounts';
import { totp } from '../../../gateway-api/src/auth/totp';
import type { CertificateAuthority, Registration } from '../../../gateway-api/src/ca';
import type { LedgerCall, LedgerPort, UserIdentity } from '../../../gateway-api/src/fabric';
import { Ledger } from '../../../gateway-api/src/ledger';
import { ledgerRoutes } from '../../../gateway-api/src/routes';
import { createServer } from '../../../gateway-api/src/server';
import { fileUserStore } from '../../../gateway-api/src/store';

/** A stand-in CA: records registrations, enrols each once. */
export class StandInCa implements CertificateAuthority {
  readonly registered = new Map<string, { registration: Registration; secret: string; enrolled: boolean }>();

  register(registration: Registration): Promise<string> {
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

/** A stand-in Fabric port: records every call; answers from `answers` by function name. */
export class StandInPort implements LedgerPort {
  readonly calls: { kind: 'submit' | 'evaluate'; identity: UserIdentity; call: LedgerCall }[] = [];
  readonly answers = new Map<string, unknown>();
  failure: Error | undefined;

  #answer(call: LedgerCall): Uint8Array {
    if (this.failure) throw this.failure;
    const answer = this.answers.get(call.fn);
    return Buffer.from(answer === undefined ? '' : JSON.stringify(answer));
  }

  submit(identity: UserIdentity, call: LedgerCall) {
    this.calls.push({ kind: 'submit', identity, call });
    return Promise.resolve({ payload: this.#answer(call), txId: `tx-${this.calls.length}` });
  }

  evaluate(identity: UserIdentity, call: LedgerCall) {
    this.calls.push({ kind: 'evaluate', identity, call });
    return Promise.resolve(this.#answer(call));
  }
}

export const PASSWORD = 'a long enough passphrase';

export class Harness {
  now = Date.parse('2026-05-01T10:00:00Z');
  readonly ca = new StandInCa();
  readonly port = new StandInPort();
  readonly dir = mkdtempSync(path.join(tmpdir(), 'gw-'));
  readonly accounts: Accounts;
  readonly app: Express;
  readonly totps = new Map<string, string>();

  constructor(
    readonly member: Member = {
      name: 'hospital-a',
      mspId: 'HospitalAMSP',
      kind: 'hospital',
      displayName: 'Hospital A',
    },
  ) {
    const settings = {
      keyEncryptionKey: Buffer.alloc(32, 7),
      tokenSecret: Buffer.alloc(32, 9),
      tokenTtlSeconds: 900,
      enrolmentTtlHours: 72,
      signInAttempts: 5,
    };
    this.accounts = new Accounts(member, fileUserStore(this.dir), this.ca, settings, () => this.now);
    const routes = ledgerRoutes({ accounts: this.accounts, ledger: new Ledger(this.port) });
    this.app = createServer({
      accounts: this.accounts,
      routes,
      ready: () => Promise.resolve(true),
      maxBodyBytes: 256 * 1024,
      log: () => undefined,
    });
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

  code(username: string): string {
    return totp(this.totps.get(username) ?? '', this.now);
  }

  async adminToken(): Promise<string> {
    const code = await this.accounts.importAdmin({ certPem: 'ADMIN CERT', keyPem: 'ADMIN KEY' });
    return this.activate('admin', code ?? '');
  }

  invite(token: string, username: string, role: string): request.Test {
    return request(this.app).post('/v1/users').set('authorization', `Bearer ${token}`).send({ username, role });
  }

  /** Invites and activates a user of the role; returns their token. */
  async user(adminToken: string, username: string, role: string): Promise<string> {
    const invited = await this.invite(adminToken, username, role).expect(201);
    return this.activate(username, invited.body.enrolmentCode as string);
  }
}
