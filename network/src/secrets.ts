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
}

export function newSecret(): string {
  return randomBytes(24).toString('base64url');
}

/** Reads the member's secrets, creating them on first use. */
export function orgSecrets(org: OrgSpec): OrgSecrets {
  const file = paths.org(org).secrets;
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as OrgSecrets;
  const secrets: OrgSecrets = { caRegistrar: newSecret(), tlsCaRegistrar: newSecret(), stateDbAdmin: newSecret() };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  return secrets;
}
