/**
 * One-time enrolment codes go to the user, never into the admin's answer: an admin who saw a
 * user's code could finish that user's sign-up and act as them. The gateway hands each code to a
 * delivery channel. A member plugs in its own (e-mail, SMS, a letter); the default is an outbox:
 * one file per user under the gateway's data folder, `outbox/<username>.json` (mode 600, in a
 * folder of mode 700), which stands in for the message and which the operator's mailer, or a test
 * playing the user, reads. A newer code replaces the user's earlier one (which no longer works).
 */
import { readFileSync } from 'node:fs';
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** What a user is told so that they can finish signing up. */
export interface EnrolmentNotice {
  username: string;
  /** Why the user gets a code: a new invitation, or an admin reset their authenticator. */
  reason: 'invitation' | 'authenticator-reset';
  enrolmentCode: string;
  expiresAt: string;
  /** The member's display name, for the message. */
  member: string;
}

/** Where enrolment codes go. */
export interface CodeDelivery {
  /** The channel's name, as the admin's answer names it (e.g. `outbox`, `e-mail`). */
  readonly channel: string;
  /** Hands the notice on; rejects when it could not (the code is then not known to have reached the user). */
  deliver(notice: EnrolmentNotice): Promise<void>;
}

const USERNAME = /^[a-z][a-z0-9._-]{2,63}$/;

/** The file of a user's outbox message. */
export function outboxFile(dataDir: string, username: string): string {
  // Usernames are checked when invited; checked again here because this names a file.
  if (!USERNAME.test(username)) throw new Error('not a username');
  return path.join(dataDir, 'outbox', `${username}.json`);
}

/** The default channel: the user's outbox file under the gateway's data folder. */
export function outboxDelivery(dataDir: string): CodeDelivery {
  return {
    channel: 'outbox',
    async deliver(notice) {
      const file = outboxFile(dataDir, notice.username);
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      const message = {
        to: notice.username,
        from: notice.member,
        reason: notice.reason,
        enrolmentCode: notice.enrolmentCode,
        expiresAt: notice.expiresAt,
        howTo: 'Sign up at the gateway (POST /v1/signup) with your username, this code and a new password.',
      };
      // Written whole or not at all (temp file + rename), readable by the gateway's user only.
      const tmp = `${file}.tmp`;
      await writeFile(tmp, `${JSON.stringify(message, null, 2)}\n`, { mode: 0o600 });
      await chmod(tmp, 0o600);
      await rename(tmp, file);
    },
  };
}

/** The code in a user's outbox message (what the user reads, or a mailer sends on), or undefined when there is none. */
export function readOutbox(dataDir: string, username: string): string | undefined {
  try {
    const message = JSON.parse(readFileSync(outboxFile(dataDir, username), 'utf8')) as { enrolmentCode?: unknown };
    return typeof message.enrolmentCode === 'string' ? message.enrolmentCode : undefined;
  } catch {
    return undefined;
  }
}
