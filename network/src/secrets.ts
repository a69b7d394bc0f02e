/**
 * Per-member secrets the network generates on first start: the CA registrars' passwords and
 * the state DB admin's. Kept in organizations/<org>/secrets.json (mode 600, git-ignored), never
 * on a command line or in a log.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type OrgSpec, paths } from './topology';

export interface OrgSecrets {
  caRegistrar: string;
  tlsCaRegistrar: string;
  stateDbAdmin: string;
  /** 32 bytes, base64: seals the gateway users' keys. */
  gatewayKeyEncryptionKey: string;
  /** 32 bytes, base64: signs the gateway's session tokens. */
  gatewayTokenSecret: string;
}

export function newSecret(): string {
  return randomBytes(24).toString('base64url');
}

const key32 = () => randomBytes(32).toString('base64');

/** Reads the member's secrets, creating any that are missing on first use. */
export function orgSecrets(org: OrgSpec): OrgSecrets {
  const file = paths.org(org).secrets;
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<OrgSecrets>) : {};
  const secrets: OrgSecrets = {
    caRegistrar: stored.caRegistrar ?? newSecret(),
    tlsCaRegistrar: stored.tlsCaRegistrar ?? newSecret(),
    stateDbAdmin: stored.stateDbAdmin ?? newSecret(),
    gatewayKeyEncryptionKey: stored.gatewayKeyEncryptionKey ?? key32(),
    gatewayTokenSecret: stored.gatewayTokenSecret ?? key32(),
  };
  if (Object.keys(stored).length !== Object.keys(secrets).length) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  }
  return secrets;
}
