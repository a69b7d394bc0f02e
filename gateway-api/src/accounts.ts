/**
 * People and sign-in (SPEC §6): an org admin invites a user (the gateway registers them at
 * the member's CA with SPEC §2 attributes); the user finishes sign-up with the one-time
 * enrolment code sent to them, a password and a TOTP authenticator; sign-in needs password +
 * current TOTP code and yields a short-lived token. Every request then acts with the user's own
 * identity.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hashPassword, passwordProblem, verifyPassword } from './auth/passwords';
import { seal, unseal } from './auth/sealed';
import { issueToken, type TokenClaims, verifyToken } from './auth/tokens';
import { newTotpSecret, otpauthUri, verifyTotp } from './auth/totp';
import type { CertificateAuthority } from './ca';
import type { CodeDelivery, EnrolmentNotice } from './delivery';
import type { Ledger } from './ledger';
import { checkDetails, type InviteDetails, practitionerExists, registerOnLedger } from './registration';
import { ApiError } from './errors';
import { isOneOf, type OrgKind, PRACTITIONER_ROLES, ROLES_BY_KIND, type Role } from '@ehr/protocol';
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
/** Unknown names whose failed sign-ins are remembered (in memory) at most. */
const MAX_STRANGERS = 10_000;

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
  /** The channel the one-time enrolment code went to, for the user (never to the admin). */
  codeSentVia: string;
  expiresAt: string;
  patientId?: string;
  practitionerId?: string;
  /** The ledger transaction that registered the patient or practitioner. */
  txId?: string;
}

export type InviteInput = { username: string; role: Role; practitionerId?: string } & InviteDetails;

export class Accounts {
  /** Usernames whose invitation is running here: a concurrent second one is refused (409), not queued. */
  readonly #inviting = new Set<string>();
  /** Recent failed sign-ins (ms) of names no user has, oldest name first. */
  readonly #strangers = new Map<string, number[]>();
  /** A hash no password matches: sign-in checks against it when the user has no password. */
  #decoy: Promise<string> | undefined;
  /** Tokens something holds on to (event streams), checked again whenever tokens are withdrawn. */
  readonly #watched = new Set<{ token: string; end(reason: string): void }>();

  constructor(
    readonly member: Member,
    private readonly store: UserStore,
    private readonly ca: CertificateAuthority,
    private readonly ledger: Ledger,
    private readonly delivery: CodeDelivery,
    private readonly settings: AccountSettings,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Attributes for a new user of a role: ids are opaque and generated here. */
  #attributes(role: Role, input: { practitionerId?: string }): Record<string, string> {
    const attrs: Record<string, string> = { 'ehr.role': role };
    const suffix = randomBytes(5).toString('hex').toUpperCase();
    if (role === 'patient') attrs['ehr.patientId'] = `PAT-${suffix}`;
    if (isOneOf(PRACTITIONER_ROLES, role)) {
      const id = input.practitionerId ?? `${role === 'doctor' ? 'DOC' : 'LAB'}-${suffix}`;
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw invalid('practitionerId must be 1-64 letters, digits, "-" or "_"');
      attrs['ehr.practitionerId'] = id;
    }
    return attrs;
  }

  /**
   * An admin invites a user, in this order, each step recorded before the next:
   * 1. the username is reserved with freshly generated ids (status `registering`);
   * 2. the patient or practitioner is registered on the ledger, as the admin;
   * 3. the user is registered at the member's CA with the ids as certificate attributes;
   * 4. the invitation gets its one-time enrolment code (status `invited`), which goes to the
   *    user's delivery channel: the admin's answer names the channel, never the code.
   * The ledger comes before the CA so that no credential exists for someone the ledger does
   * not know, and because the ledger step can be checked on a retry (the patient is looked up)
   * where the CA's cannot. When a step fails the reservation stays: the admin sends the same
   * invitation again (same username and role), which resumes with the same ids and skips what
   * was done, so a retry never registers a second patient. Input refused before step 1 changes
   * nothing. Each attempt at the CA registers a new random enrolment id, so a registration whose
   * answer was lost leaves an identity nobody can enrol (its secret is gone), not a refusal.
   */
  async invite(admin: UserRecord, input: InviteInput): Promise<Invitation> {
    if (admin.role !== 'admin') throw new ApiError(403, 'FORBIDDEN', 'only an admin invites users');
    if (!USERNAME.test(input.username))
      throw invalid('username must be 3-64 lowercase letters, digits, ".", "_" or "-"');
    const allowed: readonly string[] = ROLES_BY_KIND[this.member.kind];
    if (!allowed.includes(input.role)) throw invalid(`a ${this.member.kind} has no ${input.role} users`);
    checkDetails(input.role, input);
    if (this.#inviting.has(input.username))
      throw new ApiError(409, 'IN_PROGRESS', `the invitation of ${input.username} is being registered`);
    this.#inviting.add(input.username);
    try {
      const { record, again } = await this.#reserve(admin, input);
      const txId = await this.#registerOnLedger(admin, record, input, again);
      return await this.#issue(record, txId);
    } finally {
      this.#inviting.delete(input.username);
    }
  }

  /** Step 1: a new reservation, or the unfinished one of an earlier attempt (`again`). */
  async #reserve(admin: UserRecord, input: InviteInput): Promise<{ record: UserRecord; again: boolean }> {
    const existing = this.store.get(input.username);
    if (existing) {
      const sameInvitation =
        existing.role === input.role &&
        (input.practitionerId === undefined || input.practitionerId === existing.attrs['ehr.practitionerId']);
      if (existing.status !== 'registering') throw new ApiError(409, 'ALREADY_EXISTS', `user ${input.username} exists`);
      if (!sameInvitation)
        throw new ApiError(
          409,
          'CONFLICT',
          `${input.username} has an unfinished invitation as ${existing.role}: send that one again`,
        );
      return { record: existing, again: true };
    }
    const attrs = this.#attributes(input.role, input);
    await this.#refuseTakenPractitionerId(admin, input, attrs);
    const record: UserRecord = {
      username: input.username,
      role: input.role,
      attrs,
      status: 'registering',
      createdAt: new Date(this.clock()).toISOString(),
      createdBy: admin.username,
      failures: [],
    };
    await this.store.update(input.username, (current) => {
      if (current) throw new ApiError(409, 'ALREADY_EXISTS', `user ${input.username} exists`);
      return { record, result: undefined };
    });
    return { record, again: false };
  }

  /** A practitioner id the admin chose must not be another user's, nor on the ledger already. */
  async #refuseTakenPractitionerId(admin: UserRecord, input: InviteInput, attrs: Record<string, string>) {
    const chosen = input.practitionerId && attrs['ehr.practitionerId'];
    if (!chosen) return;
    const taken =
      this.store.all().some((user) => user.attrs['ehr.practitionerId'] === chosen) ||
      (await practitionerExists(this.ledger, this.identityOf(admin), chosen));
    if (taken) throw new ApiError(409, 'ALREADY_EXISTS', `practitioner ${chosen} exists at ${this.member.mspId}`);
  }

  /** Step 2, skipped when an earlier attempt got through it. */
  async #registerOnLedger(
    admin: UserRecord,
    record: UserRecord,
    details: InviteDetails,
    again: boolean,
  ): Promise<string | undefined> {
    if (record.registration?.onLedger) return record.registration.txId;
    const txId = await registerOnLedger(this.ledger, this.identityOf(admin), record, details, again);
    await this.store.update(record.username, (current) => {
      if (!current) throw new ApiError(409, 'CONFLICT', `the invitation of ${record.username} was withdrawn`);
      return { record: { ...current, registration: { onLedger: true, ...(txId ? { txId } : {}) } }, result: undefined };
    });
    return txId;
  }

  /** Steps 3 and 4: the CA registration (under a new random enrolment id) and the enrolment code. */
  async #issue(record: UserRecord, txId: string | undefined): Promise<Invitation> {
    const { username, role, attrs } = record;
    const enrollmentId = `u${randomBytes(16).toString('hex')}`;
    const caSecret = await this.ca.register({ name: enrollmentId, attrs });
    const enrolmentCode = randomBytes(16).toString('base64url');
    const expiresAt = new Date(this.clock() + this.settings.enrolmentTtlHours * 3_600_000).toISOString();
    await this.store.update(username, (current) => {
      if (current?.status !== 'registering')
        throw new ApiError(409, 'CONFLICT', `the invitation of ${username} changed meanwhile`);
      const invited: UserRecord = {
        ...current,
        status: 'invited',
        enrollmentId,
        enrolment: {
          codeHash: sha256(enrolmentCode).toString('base64'),
          expiresAt,
          caSecret: seal(this.settings.keyEncryptionKey, caSecret, username),
        },
      };
      delete invited.registration;
      return { record: invited, result: undefined };
    });
    const ids = {
      ...(attrs['ehr.patientId'] ? { patientId: attrs['ehr.patientId'] } : {}),
      ...(attrs['ehr.practitionerId'] ? { practitionerId: attrs['ehr.practitionerId'] } : {}),
      ...(txId ? { txId } : {}),
    };
    const codeSentVia = await this.#send({ username, reason: 'invitation', enrolmentCode, expiresAt });
    return { username, role, attrs, codeSentVia, expiresAt, ...ids };
  }

  /**
   * Hands a new enrolment code to the user's delivery channel; answers the channel's name. The
   * code is stored (hashed) before: when the delivery fails the user stays invited and the admin
   * sends a new code (TOTP reset), which also makes the lost one useless.
   */
  async #send(notice: Omit<EnrolmentNotice, 'member'>): Promise<string> {
    try {
      await this.delivery.deliver({ ...notice, member: this.member.displayName });
    } catch (error) {
      throw new ApiError(
        503,
        'DELIVERY_FAILED',
        `${notice.username} has a new enrolment code, but it could not be sent (${this.delivery.channel}); ` +
          `send another with POST /v1/users/${notice.username}/totp-reset`,
        undefined,
        { cause: error },
      );
    }
    return this.delivery.channel;
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
    const caSecret = unseal(key, sealedSecret, record.username).toString();
    const enrolment = await this.ca.enroll(record.enrollmentId ?? record.username, caSecret);
    return { certPem: enrolment.certPem, key: seal(key, enrolment.keyPem, record.username) };
  }

  /** The TOTP step of the first code of a user whose sign-up awaits it, or a 401. */
  #firstStep(record: UserRecord | undefined, enrolmentCode: string, code: string, now: number): number {
    if (record?.status !== 'totp-pending' || !record.totp || !codeMatches(record, enrolmentCode, now)) {
      throw new ApiError(401, 'ENROLMENT_REFUSED', 'unknown user, wrong or expired enrolment code');
    }
    const secret = unseal(this.settings.keyEncryptionKey, record.totp.secret, record.username).toString();
    const step = verifyTotp(secret, code, now);
    if (step === undefined)
      throw new ApiError(401, 'TOTP_REFUSED', 'the code does not match; check the authenticator clock');
    return step;
  }

  /**
   * Step 2 of sign-up: the first TOTP code proves the authenticator works. A patient's
   * certificate is then linked to their ledger entry, signed by the patient, before the
   * account becomes active: an active patient is always linked, and when the ledger cannot be
   * reached the user stays `totp-pending` and confirms again (linking twice changes nothing).
   */
  async confirmTotp(username: string, enrolmentCode: string, code: string): Promise<void> {
    const now = this.clock();
    const record = this.store.get(username);
    const step = this.#firstStep(record, enrolmentCode, code, now);
    if (record?.role === 'patient') await this.ledger.linkPatientCertificate(this.identityOf(record));
    await this.store.update(username, (current) => {
      // Checked again: another request may have confirmed (or an admin reset) meanwhile.
      if (current?.status !== 'totp-pending' || !current.totp || !codeMatches(current, enrolmentCode, now))
        throw new ApiError(409, 'CONFLICT', 'the sign-up changed meanwhile; sign in, or ask for a new code');
      const active: UserRecord = { ...current, status: 'active', totp: { ...current.totp, lastStep: step } };
      delete active.enrolment;
      return { record: active, result: undefined };
    });
  }

  /**
   * The TOTP step the code proves for an active user, or undefined when it does not or was used
   * already. Run inside the store's update, so that of two requests with the same code only the
   * first to be applied reserves its step.
   */
  #freshStep(record: UserRecord, code: string, now: number): number | undefined {
    if (record.status !== 'active' || !record.totp) return undefined;
    const secret = unseal(this.settings.keyEncryptionKey, record.totp.secret, record.username).toString();
    const step = verifyTotp(secret, code, now);
    // A code is good once: a step at or before the last accepted one is a replay.
    return step !== undefined && step > record.totp.lastStep ? step : undefined;
  }

  /** A 429 while the user (or the unknown name) has used up their attempts. */
  #refuseLockedOut(failures: Pick<UserRecord, 'failures'> | undefined, now: number): void {
    if (lockedUntil(failures, now, this.settings.signInAttempts) !== undefined)
      throw new ApiError(429, 'TOO_MANY_ATTEMPTS', 'too many failed sign-ins; wait 15 minutes or ask an admin');
  }

  /**
   * A failed sign-in of a name no user has, counted in memory only (nothing is written for it),
   * so that it locks out as a user would and lock-outs do not tell which names exist.
   */
  #strangerFailed(username: string, now: number): never {
    const failures = { failures: this.#strangers.get(username) ?? [] };
    this.#refuseLockedOut(failures, now);
    this.#strangers.delete(username);
    // The oldest name goes first: a flood of made-up names cannot grow this without bound.
    if (this.#strangers.size >= MAX_STRANGERS) this.#strangers.delete(this.#strangers.keys().next().value ?? '');
    this.#strangers.set(username, [...recentFailures(failures, now), now]);
    throw signInFailed();
  }

  /**
   * Password + current TOTP code → a short-lived token. Every request hashes a password, also
   * for an unknown user or one without a password, so answers take equally long. The attempt
   * is decided inside the store's atomic update: the lock-out is checked, the failure counted
   * and the TOTP step reserved there, so a burst of parallel guesses gets no more than the
   * allowed attempts and one code signs in once.
   */
  async signIn(username: string, password: string, code: string): Promise<{ token: string; expiresAt: string }> {
    const now = this.clock();
    const record = this.store.get(username);
    // A cheap early answer; the deciding check is the one in the update below.
    this.#refuseLockedOut(record ?? { failures: this.#strangers.get(username) ?? [] }, now);
    const stored = record?.status === 'active' ? record.passwordHash : undefined;
    this.#decoy ??= hashPassword(randomBytes(32).toString('base64'));
    const passwordOk = (await verifyPassword(password, stored ?? (await this.#decoy))) && stored !== undefined;
    if (!record) this.#strangerFailed(username, now);
    const seconds = Math.floor(now / 1000);
    const generation = await this.store.update(username, (current) => {
      if (!current) return { record: current, result: undefined };
      this.#refuseLockedOut(current, now);
      // The password checked must still be the user's (an admin's reset removes it).
      const step = passwordOk && current.passwordHash === stored ? this.#freshStep(current, code, now) : undefined;
      const next: UserRecord =
        step === undefined
          ? { ...current, failures: [...recentFailures(current, now), now] }
          : { ...current, failures: [], totp: current.totp && { ...current.totp, lastStep: step } };
      return {
        record: withoutExpiredRevocations(next, seconds),
        result: step === undefined ? undefined : (current.tokenGeneration ?? 0),
      };
    });
    if (generation === undefined) throw signInFailed();
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
   * Calls `end` once, when the token stops being good: when it expires, and at once when it is
   * signed out or withdrawn (disable, TOTP reset), so that what a request holds open (an event
   * stream) does not outlive its token. Answers a function that stops watching; a 401 when the
   * token is not good now.
   */
  watchSession(token: string, end: (reason: string) => void): () => void {
    const { claims } = this.#session(token);
    const watcher = {
      token,
      end: (reason: string) => {
        stop();
        end(reason);
      },
    };
    const expired = () => {
      watcher.end('the token is expired');
    };
    const timer = setTimeout(expired, claims.exp * 1000 - this.clock());
    // A stream's timer must not keep a stopping gateway alive.
    timer.unref();
    const stop = () => {
      clearTimeout(timer);
      this.#watched.delete(watcher);
    };
    this.#watched.add(watcher);
    return stop;
  }

  /** Ends the watched sessions whose tokens stopped being good (after tokens were withdrawn). */
  #recheckSessions(): void {
    for (const watcher of [...this.#watched]) {
      try {
        this.#session(watcher.token);
      } catch (error) {
        watcher.end(error instanceof ApiError ? error.message : 'the token stopped working');
      }
    }
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
    this.#recheckSessions();
  }

  /** A page of the member's users, as its admins see them. */
  listUsers(query: UserQuery): { items: UserSummary[]; bookmark: string } {
    const now = this.clock();
    return pageOf(this.store.all(), query, (record) => summaryOf(record, now, this.settings.signInAttempts));
  }

  /** Applies an admin's change to a user atomically; 404 for an unknown user, 409 for an unfinished invitation. */
  async #administer(
    admin: UserRecord,
    username: string,
    change: (current: UserRecord) => UserRecord,
  ): Promise<UserSummary> {
    if (admin.role !== 'admin') throw new ApiError(403, 'FORBIDDEN', 'only an admin administers users');
    const record = await this.store.update(username, (current) => {
      if (!current) throw new ApiError(404, 'NOT_FOUND', `no user ${username} at this member`);
      if (current.status === 'registering')
        throw new ApiError(409, 'CONFLICT', `the invitation of ${username} is unfinished: send it again first`);
      const next = change(current);
      return { record: next, result: next };
    });
    this.#recheckSessions();
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
   * The user enrols a new authenticator: a new one-time enrolment code (sent to the user, as an
   * invitation's is; the admin's answer names the channel only), their tokens stop working, and
   * they finish with the sign-up calls (code and a new password, then the first TOTP code).
   * Their Fabric identity is kept: no new CA enrolment. A user who never signed up gets a new
   * code and keeps their pending enrolment. Failed sign-ins are cleared.
   */
  async resetTotp(
    admin: UserRecord,
    username: string,
  ): Promise<{ username: string; codeSentVia: string; expiresAt: string }> {
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
    const codeSentVia = await this.#send({ username, reason: 'authenticator-reset', enrolmentCode, expiresAt });
    return { username, codeSentVia, expiresAt };
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
   * The member's first admin: the member-admin user identity the network created (a client
   * certificate with `ehr.role=admin`), imported with an enrolment code (no CA registration).
   * Returns undefined when the admin exists already. An admin the network made earlier with
   * another identity (the member's MSP admin, which the gateway no longer takes) is given this
   * one, keeping their password and authenticator, so no copy of the old key stays here.
   */
  async importAdmin(identity: { certPem: string; keyPem: string }): Promise<string | undefined> {
    const existing = this.store.get('admin');
    if (existing) {
      if (existing.createdBy === 'network' && existing.identity?.certPem !== identity.certPem) {
        const key = seal(this.settings.keyEncryptionKey, identity.keyPem, 'admin');
        await this.store.update('admin', (current) => ({
          record: current && { ...current, identity: { certPem: identity.certPem, key } },
          result: undefined,
        }));
      }
      return undefined;
    }
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
