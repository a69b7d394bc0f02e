/**
 * People and sign-in (SPEC §6): an org admin invites a user (the gateway registers them at
 * the member's CA with SPEC §2 attributes); the user finishes sign-up with the one-time
 * enrolment code, a password and a TOTP authenticator; sign-in needs password + current TOTP
 * code and yields a short-lived token. Every request then acts with the user's own identity.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hashPassword, passwordProblem, verifyPassword } from './auth/passwords';
import { seal, unseal } from './auth/sealed';
import { issueToken, type TokenClaims, verifyToken } from './auth/tokens';
import { newTotpSecret, otpauthUri, verifyTotp } from './auth/totp';
import type { CertificateAuthority } from './ca';
import { ApiError } from './errors';
import { type OrgKind, ROLES_BY_KIND, type Role } from './roles';
import type { UserRecord, UserStore } from './store';
import { lockedUntil, pageOf, recentFailures, summaryOf, type UserQuery, type UserSummary } from './users';

export interface Member {
  name: string;
  mspId: string;
  kind: OrgKind;
  displayName: string;
}

export interface AccountSettings {
  keyEncryptionKey: Buffer;
  tokenSecret: Buffer;
  tokenTtlSeconds: number;
  enrolmentTtlHours: number;
  signInAttempts: number;
}

const USERNAME = /^[a-z][a-z0-9._-]{2,63}$/;

const sha256 = (text: string) => createHash('sha256').update(text).digest();
const invalid = (message: string) => new ApiError(400, 'INVALID_ARGUMENT', message);
// One answer for every sign-in failure: no hint which factor was wrong or whether the user exists.
const signInFailed = () => new ApiError(401, 'SIGN_IN_FAILED', 'wrong username, password or code');

/** The record without signed-out tokens that have expired since (they are refused anyway). */
function withoutExpiredRevocations(record: UserRecord, nowSeconds: number): UserRecord {
  const live = (record.revokedTokens ?? []).filter((revoked) => revoked.exp > nowSeconds);
  const next: UserRecord = { ...record, revokedTokens: live };
  if (live.length === 0) delete next.revokedTokens;
  return next;
}

function codeMatches(record: UserRecord, code: string, now: number): boolean {
  const enrolment = record.enrolment;
  if (!enrolment || Date.parse(enrolment.expiresAt) <= now) return false;
  return timingSafeEqual(sha256(code), Buffer.from(enrolment.codeHash, 'base64'));
}

export interface Invitation {
  username: string;
  role: Role;
  attrs: Record<string, string>;
  enrolmentCode: string;
  expiresAt: string;
}

export class Accounts {
  constructor(
    readonly member: Member,
    private readonly store: UserStore,
    private readonly ca: CertificateAuthority,
    private readonly settings: AccountSettings,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Attributes for a new user of a role: ids are opaque and generated here. */
  #attributes(role: Role, input: { practitionerId?: string }): Record<string, string> {
    const allowed: readonly string[] = ROLES_BY_KIND[this.member.kind];
    if (!allowed.includes(role)) throw invalid(`a ${this.member.kind} has no ${role} users`);
    const attrs: Record<string, string> = { 'ehr.role': role };
    const suffix = randomBytes(5).toString('hex').toUpperCase();
    if (role === 'patient') attrs['ehr.patientId'] = `PAT-${suffix}`;
    if (role === 'doctor' || role === 'labtech') {
      const id = input.practitionerId ?? `${role === 'doctor' ? 'DOC' : 'LAB'}-${suffix}`;
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw invalid('practitionerId must be 1-64 letters, digits, "-" or "_"');
      attrs['ehr.practitionerId'] = id;
    }
    return attrs;
  }

  /** An admin invites a user: registered at the CA, with a one-time enrolment code. */
  async invite(
    admin: UserRecord,
    input: { username: string; role: Role; practitionerId?: string },
  ): Promise<Invitation> {
    if (admin.role !== 'admin') throw new ApiError(403, 'FORBIDDEN', 'only an admin invites users');
    if (!USERNAME.test(input.username))
      throw invalid('username must be 3-64 lowercase letters, digits, ".", "_" or "-"');
    if (this.store.get(input.username)) throw new ApiError(409, 'ALREADY_EXISTS', `user ${input.username} exists`);
    const attrs = this.#attributes(input.role, input);
    const caSecret = await this.ca.register({ name: input.username, attrs });
    const enrolmentCode = randomBytes(16).toString('base64url');
    const now = this.clock();
    const expiresAt = new Date(now + this.settings.enrolmentTtlHours * 3_600_000).toISOString();
    const record: UserRecord = {
      username: input.username,
      role: input.role,
      attrs,
      status: 'invited',
      createdAt: new Date(now).toISOString(),
      createdBy: admin.username,
      enrolment: {
        codeHash: sha256(enrolmentCode).toString('base64'),
        expiresAt,
        caSecret: seal(this.settings.keyEncryptionKey, caSecret, input.username),
      },
      failures: [],
    };
    await this.store.update(input.username, (current) => {
      if (current) throw new ApiError(409, 'ALREADY_EXISTS', `user ${input.username} exists`);
      return { record, result: undefined };
    });
    return { username: input.username, role: input.role, attrs, enrolmentCode, expiresAt };
  }

  /** Step 1 of sign-up: the code and a password; enrols the identity; returns the TOTP secret. */
  async signUp(
    username: string,
    enrolmentCode: string,
    password: string,
  ): Promise<{ totpSecret: string; otpauthUri: string }> {
    const problem = passwordProblem(password);
    if (problem) throw invalid(problem);
    const record = this.store.get(username);
    if (record?.status !== 'invited' || !codeMatches(record, enrolmentCode, this.clock())) {
      throw new ApiError(401, 'ENROLMENT_REFUSED', 'unknown user, wrong or expired enrolment code');
    }
    const key = this.settings.keyEncryptionKey;
    const identity = record.identity ?? (await this.#enrol(record));
    const totpSecret = newTotpSecret();
    const passwordHash = await hashPassword(password);
    await this.store.update(username, (current) => {
      if (current?.status !== 'invited' || !current.enrolment)
        throw new ApiError(409, 'CONFLICT', 'sign-up already in progress');
      const next: UserRecord = {
        ...current,
        status: 'totp-pending',
        // The CA secret is spent; the code stays until the authenticator is confirmed.
        enrolment: { codeHash: current.enrolment.codeHash, expiresAt: current.enrolment.expiresAt },
        passwordHash,
        totp: { secret: seal(key, totpSecret, username), lastStep: 0 },
        identity,
      };
      return { record: next, result: undefined };
    });
    return { totpSecret, otpauthUri: otpauthUri(`EHR ${this.member.displayName}`, username, totpSecret) };
  }

  async #enrol(record: UserRecord): Promise<NonNullable<UserRecord['identity']>> {
    const sealedSecret = record.enrolment?.caSecret;
    if (!sealedSecret) throw new ApiError(409, 'CONFLICT', 'the user has no pending enrolment');
    const key = this.settings.keyEncryptionKey;
    const enrolment = await this.ca.enroll(record.username, unseal(key, sealedSecret, record.username).toString());
    return { certPem: enrolment.certPem, key: seal(key, enrolment.keyPem, record.username) };
  }

  /** Step 2 of sign-up: the first TOTP code proves the authenticator works. */
  async confirmTotp(username: string, enrolmentCode: string, code: string): Promise<void> {
    const now = this.clock();
    await this.store.update(username, (current) => {
      if (current?.status !== 'totp-pending' || !current.totp || !codeMatches(current, enrolmentCode, now)) {
        throw new ApiError(401, 'ENROLMENT_REFUSED', 'unknown user, wrong or expired enrolment code');
      }
      const step = verifyTotp(
        unseal(this.settings.keyEncryptionKey, current.totp.secret, username).toString(),
        code,
        now,
      );
      if (step === undefined)
        throw new ApiError(401, 'TOTP_REFUSED', 'the code does not match; check the authenticator clock');
      const active: UserRecord = { ...current, status: 'active', totp: { ...current.totp, lastStep: step } };
      delete active.enrolment;
      return { record: active, result: undefined };
    });
  }

  /** The TOTP step both factors prove, or undefined when either fails or the code was used. */
  async #factors(
    record: UserRecord | undefined,
    password: string,
    code: string,
    now: number,
  ): Promise<number | undefined> {
    if (record?.status !== 'active' || !record.passwordHash || !record.totp) return undefined;
    if (!(await verifyPassword(password, record.passwordHash))) return undefined;
    const step = verifyTotp(
      unseal(this.settings.keyEncryptionKey, record.totp.secret, record.username).toString(),
      code,
      now,
    );
    // A code is good once: a step at or before the last accepted one is a replay.
    return step !== undefined && step > record.totp.lastStep ? step : undefined;
  }

  /** Password + current TOTP code → a short-lived token. Failures are rate-limited per user. */
  async signIn(username: string, password: string, code: string): Promise<{ token: string; expiresAt: string }> {
    const now = this.clock();
    const record = this.store.get(username);
    if (lockedUntil(record, now, this.settings.signInAttempts) !== undefined) {
      throw new ApiError(429, 'TOO_MANY_ATTEMPTS', 'too many failed sign-ins; wait 15 minutes or ask an admin');
    }
    const step = await this.#factors(record, password, code, now);
    const seconds = Math.floor(now / 1000);
    const generation = await this.store.update(username, (current) => {
      if (!current) return { record: undefined, result: 0 };
      const next: UserRecord =
        step === undefined
          ? { ...current, failures: [...recentFailures(current, now), now] }
          : { ...current, failures: [], totp: current.totp && { ...current.totp, lastStep: step } };
      return { record: withoutExpiredRevocations(next, seconds), result: current.tokenGeneration ?? 0 };
    });
    if (step === undefined) throw signInFailed();
    const jti = randomBytes(16).toString('base64url');
    const claims = { sub: username, org: this.member.mspId, jti, gen: generation };
    const token = issueToken(this.settings.tokenSecret, claims, seconds, this.settings.tokenTtlSeconds);
    return { token, expiresAt: new Date((seconds + this.settings.tokenTtlSeconds) * 1000).toISOString() };
  }

  /** A token that is good now (signed by us, unexpired, not signed out) and its active user, or a 401. */
  #session(token: string): { claims: TokenClaims; record: UserRecord } {
    const claims = verifyToken(this.settings.tokenSecret, token, Math.floor(this.clock() / 1000));
    if (typeof claims === 'string')
      throw new ApiError(401, 'UNAUTHENTICATED', `the token is ${claims.replace('-', ' ')}`);
    const record = this.store.get(claims.sub);
    if (claims.org !== this.member.mspId || record?.status !== 'active')
      throw new ApiError(401, 'UNAUTHENTICATED', 'the token names no active user');
    if (record.revokedTokens?.some((revoked) => revoked.jti === claims.jti))
      throw new ApiError(401, 'UNAUTHENTICATED', 'the token was signed out');
    if (claims.gen !== (record.tokenGeneration ?? 0))
      throw new ApiError(401, 'UNAUTHENTICATED', "the token was withdrawn by the member's admin");
    return { claims, record };
  }

  /** The active user a bearer token names, or a 401. */
  authenticate(token: string): UserRecord {
    return this.#session(token).record;
  }

  /**
   * Signs one token out: it stops working at once, the user's other tokens keep working. Its
   * id stays in the user store (which outlives a restart) until the token would have expired.
   */
  async signOut(token: string): Promise<void> {
    const { claims, record } = this.#session(token);
    const seconds = Math.floor(this.clock() / 1000);
    await this.store.update(record.username, (current) => {
      if (!current) return { record: undefined, result: undefined };
      const revokedTokens = [...(current.revokedTokens ?? []), { jti: claims.jti, exp: claims.exp }];
      return { record: withoutExpiredRevocations({ ...current, revokedTokens }, seconds), result: undefined };
    });
  }

  /** A page of the member's users, as its admins see them. */
  listUsers(query: UserQuery): { items: UserSummary[]; bookmark: string } {
    const now = this.clock();
    return pageOf(this.store.all(), query, (record) => summaryOf(record, now, this.settings.signInAttempts));
  }

  /** Applies an admin's change to a user atomically; 404 for an unknown user. */
  async #administer(
    admin: UserRecord,
    username: string,
    change: (current: UserRecord) => UserRecord,
  ): Promise<UserSummary> {
    if (admin.role !== 'admin') throw new ApiError(403, 'FORBIDDEN', 'only an admin administers users');
    const record = await this.store.update(username, (current) => {
      if (!current) throw new ApiError(404, 'NOT_FOUND', `no user ${username} at this member`);
      const next = change(current);
      return { record: next, result: next };
    });
    return summaryOf(record, this.clock(), this.settings.signInAttempts);
  }

  /** The user can no longer sign in or finish sign-up, and every token they hold stops working. */
  disable(admin: UserRecord, username: string): Promise<UserSummary> {
    if (admin.username === username)
      throw new ApiError(422, 'SELF_DISABLE', 'an admin cannot disable their own account; another admin can');
    return this.#administer(admin, username, (current) => {
      if (current.status === 'disabled') return current;
      return {
        ...current,
        status: 'disabled',
        disabled: { at: new Date(this.clock()).toISOString(), by: admin.username, from: current.status },
        tokenGeneration: (current.tokenGeneration ?? 0) + 1,
      };
    });
  }

  /**
   * A disabled user gets back the status they had; any user's failed sign-ins are cleared, so
   * enabling also ends a lock-out. Tokens withdrawn by the disable stay withdrawn.
   */
  enable(admin: UserRecord, username: string): Promise<UserSummary> {
    return this.#administer(admin, username, (current) => {
      const next: UserRecord = { ...current, failures: [], status: current.disabled?.from ?? current.status };
      delete next.disabled;
      return next;
    });
  }

  /**
   * The user enrols a new authenticator: a new one-time enrolment code (answered to the admin,
   * as an invitation's is), their tokens stop working, and they finish with the sign-up calls
   * (code and a new password, then the first TOTP code). Their Fabric identity is kept: no new
   * CA enrolment. A user who never signed up gets a new code and keeps their pending enrolment.
   * Failed sign-ins are cleared.
   */
  async resetTotp(
    admin: UserRecord,
    username: string,
  ): Promise<{ username: string; enrolmentCode: string; expiresAt: string }> {
    const enrolmentCode = randomBytes(16).toString('base64url');
    const expiresAt = new Date(this.clock() + this.settings.enrolmentTtlHours * 3_600_000).toISOString();
    await this.#administer(admin, username, (current) => {
      if (current.status === 'disabled')
        throw new ApiError(409, 'CONFLICT', `user ${username} is disabled; enable them first`);
      const caSecret = current.identity ? undefined : current.enrolment?.caSecret;
      const next: UserRecord = {
        ...current,
        status: 'invited',
        enrolment: { codeHash: sha256(enrolmentCode).toString('base64'), expiresAt, ...(caSecret ? { caSecret } : {}) },
        failures: [],
        tokenGeneration: (current.tokenGeneration ?? 0) + 1,
      };
      delete next.passwordHash;
      delete next.totp;
      return next;
    });
    return { username, enrolmentCode, expiresAt };
  }

  /** The user's own Fabric identity, unsealed for one request. */
  identityOf(record: UserRecord): { mspId: string; certPem: string; keyPem: string } {
    if (!record.identity) throw new ApiError(403, 'FORBIDDEN', 'the user has no ledger identity');
    return {
      mspId: this.member.mspId,
      certPem: record.identity.certPem,
      keyPem: unseal(this.settings.keyEncryptionKey, record.identity.key, record.username).toString(),
    };
  }

  /**
   * The member's first admin: the admin identity the network created, imported with an
   * enrolment code (no CA registration). Returns undefined when the admin exists already.
   */
  async importAdmin(identity: { certPem: string; keyPem: string }): Promise<string | undefined> {
    if (this.store.get('admin')) return undefined;
    const enrolmentCode = randomBytes(16).toString('base64url');
    const now = this.clock();
    const key = this.settings.keyEncryptionKey;
    const record: UserRecord = {
      username: 'admin',
      role: 'admin',
      attrs: { 'ehr.role': 'admin' },
      status: 'invited',
      createdAt: new Date(now).toISOString(),
      createdBy: 'network',
      enrolment: {
        codeHash: sha256(enrolmentCode).toString('base64'),
        expiresAt: new Date(now + this.settings.enrolmentTtlHours * 3_600_000).toISOString(),
      },
      identity: { certPem: identity.certPem, key: seal(key, identity.keyPem, 'admin') },
      failures: [],
    };
    await this.store.update('admin', () => ({ record, result: undefined }));
    return enrolmentCode;
  }
}
