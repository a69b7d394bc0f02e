/**
 * The gateway's user store: one JSON file, written atomically (temp file + rename) and only by
 * one mutation at a time. Secrets in it are sealed (see auth/sealed.ts). A member expecting
 * many thousands of users would put this behind a database; the interface stays the same.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Role } from '@ehr/protocol';

/** `registering`: an invitation that has not got through the ledger and the CA yet (sent again, it resumes). */
export type UserStatus = 'registering' | 'invited' | 'totp-pending' | 'active' | 'disabled';

export interface UserRecord {
  username: string;
  role: Role;
  /** The `ehr.*` certificate attributes. */
  attrs: Record<string, string>;
  status: UserStatus;
  createdAt: string;
  createdBy: string;
  /**
   * The user's enrolment id at the member's CA: random, so that certificates, and what the
   * chaincode records with a certificate's subject (access events), carry no username. Users
   * registered before it have none: their enrolment id is their username.
   */
  enrollmentId?: string;
  enrolment?: { codeHash: string; expiresAt: string; caSecret?: string };
  passwordHash?: string;
  totp?: { secret: string; lastStep: number };
  identity?: { certPem: string; key: string };
  /** Times (ms) of recent failed sign-ins. */
  failures: number[];
  /** Tokens issued before the current generation are refused (raised by disable and TOTP reset). */
  tokenGeneration?: number;
  /** Set while registering: the ledger step is done (and the transaction that did it, when known). */
  registration?: { onLedger: boolean; txId?: string };
  /** Who disabled the user, when, and the status that enabling restores. */
  disabled?: { at: string; by: string; from: Exclude<UserStatus, 'disabled'> };
  /** Signed-out tokens (`jti`), kept until they would have expired anyway (`exp`, seconds). */
  revokedTokens?: { jti: string; exp: number }[];
}

export interface UserStore {
  get(username: string): UserRecord | undefined;
  /** Every user, in no particular order. */
  all(): UserRecord[];
  /**
   * Applies a change to one user atomically; `change` returns the new record (or undefined to
   * delete). Returning the current record unchanged (the same object) writes nothing.
   */
  update<T>(
    username: string,
    change: (current: UserRecord | undefined) => { record: UserRecord | undefined; result: T },
  ): Promise<T>;
}

export function fileUserStore(dir: string): UserStore {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'users.json');
  // A Map, not an object: a username such as `__proto__` or `constructor` must find no user,
  // never a property every object inherits.
  let users = new Map<string, UserRecord>(
    existsSync(file) ? Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, UserRecord>) : [],
  );
  let queue = Promise.resolve();
  const persist = () => {
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(users), null, 1), { mode: 0o600 });
    renameSync(tmp, file);
  };
  return {
    get: (username) => users.get(username),
    all: () => [...users.values()],
    update<T>(
      username: string,
      change: (current: UserRecord | undefined) => { record: UserRecord | undefined; result: T },
    ) {
      const run = queue.then(() => {
        const current = users.get(username);
        const { record, result } = change(current);
        if (record === current) return result;
        const next = new Map(users);
        if (record) next.set(username, record);
        else next.delete(username);
        users = next;
        persist();
        return result;
      });
      queue = run.then(
        () => undefined,
        () => undefined,
      );
      return run;
    },
  };
}
