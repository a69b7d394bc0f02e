/**
 * The member's users as their admins see them: no secrets, whether they are locked out now,
 * and the list in pages with an opaque bookmark.
 */
import { ApiError } from './errors';
import type { Role } from '@ehr/protocol';
import type { UserRecord, UserStatus } from './store';

/** Failed sign-ins count against a user for this long. */
export const FAILURE_WINDOW_MS = 15 * 60 * 1000;

export interface UserSummary {
  username: string;
  role: Role;
  attrs: Record<string, string>;
  /** The user's random enrolment id at the member's CA (the subject of their certificate). */
  enrollmentId?: string;
  status: UserStatus;
  createdAt: string;
  createdBy: string;
  /** True while the failed sign-ins of the last 15 minutes reach the allowed attempts. */
  lockedOut: boolean;
  /** When a lock-out ends by itself (an admin's enable ends it at once). */
  lockedUntil?: string;
  disabledAt?: string;
  disabledBy?: string;
}

/** The failed sign-ins within the window before `now`. */
export function recentFailures(record: Pick<UserRecord, 'failures'> | undefined, now: number): number[] {
  return (record?.failures ?? []).filter((t) => now - t < FAILURE_WINDOW_MS).sort((a, b) => a - b);
}

/**
 * When the user's lock-out ends, or undefined when they are not locked out: the time the
 * oldest failure that still keeps the count at `attempts` leaves the window.
 */
export function lockedUntil(
  record: Pick<UserRecord, 'failures'> | undefined,
  now: number,
  attempts: number,
): number | undefined {
  const recent = recentFailures(record, now);
  const deciding = recent[recent.length - attempts];
  return recent.length >= attempts && deciding !== undefined ? deciding + FAILURE_WINDOW_MS : undefined;
}

/** The user as an admin sees them at `now`: no secrets, and whether they are locked out. */
export function summaryOf(record: UserRecord, now: number, attempts: number): UserSummary {
  const until = lockedUntil(record, now, attempts);
  return {
    username: record.username,
    role: record.role,
    attrs: record.attrs,
    ...(record.enrollmentId ? { enrollmentId: record.enrollmentId } : {}),
    status: record.status,
    createdAt: record.createdAt,
    createdBy: record.createdBy,
    lockedOut: until !== undefined,
    ...(until === undefined ? {} : { lockedUntil: new Date(until).toISOString() }),
    ...(record.disabled ? { disabledAt: record.disabled.at, disabledBy: record.disabled.by } : {}),
  };
}

export interface UserQuery {
  pageSize: number;
  /** Where the previous page ended, as that page's answer gave it. */
  bookmark?: string;
  status?: UserStatus;
  role?: Role;
}

const BOOKMARK_PREFIX = 'after:';
const bookmarkAfter = (username: string) => Buffer.from(`${BOOKMARK_PREFIX}${username}`).toString('base64url');

function usernameAfter(bookmark: string): string {
  const text = Buffer.from(bookmark, 'base64url').toString('utf8');
  if (!text.startsWith(BOOKMARK_PREFIX) || text.length === BOOKMARK_PREFIX.length)
    throw new ApiError(400, 'INVALID_ARGUMENT', 'the bookmark is not one this gateway gave');
  return text.slice(BOOKMARK_PREFIX.length);
}

/**
 * One page of the users matching the query, in username order. The bookmark names the last
 * username shown, so users invited between two pages do not shift the pages; it is empty
 * when there is nothing more.
 */
export function pageOf<T>(
  records: UserRecord[],
  query: UserQuery,
  show: (record: UserRecord) => T,
): { items: T[]; bookmark: string } {
  const after = query.bookmark ? usernameAfter(query.bookmark) : undefined;
  const matching = records
    .filter((r) => (query.status === undefined || r.status === query.status) && (query.role ?? r.role) === r.role)
    .filter((r) => after === undefined || r.username > after)
    .sort((a, b) => (a.username < b.username ? -1 : 1));
  const page = matching.slice(0, query.pageSize);
  const last = page.at(-1);
  const more = matching.length > page.length && last !== undefined;
  return { items: page.map(show), bookmark: more ? bookmarkAfter(last.username) : '' };
}
