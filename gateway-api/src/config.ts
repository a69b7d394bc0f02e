/**
 * Every setting of the gateway, from the environment, typed and validated when loaded. A
 * missing or malformed setting stops the start with a message naming it (never its value).
 */
import path from 'node:path';

export interface Config {
  /** Address the HTTP server binds to (EHR_GATEWAY_HOST, default 127.0.0.1). */
  host: string;
  /** Port of the HTTP server (EHR_GATEWAY_PORT). */
  port: number;
  /** The member this gateway serves: its name in network.json (EHR_GATEWAY_ORG). */
  org: string;
  /** Path of network.json (EHR_NETWORK_JSON, default organizations/network.json). */
  networkJson: string;
  /** Folder for the user store (EHR_GATEWAY_DATA_DIR). */
  dataDir: string;
  /** 32-byte key, base64, sealing users' private keys and TOTP secrets (EHR_GATEWAY_KEY_ENCRYPTION_KEY). */
  keyEncryptionKey: Buffer;
  /** At least 32 bytes, base64, signing session tokens (EHR_GATEWAY_TOKEN_SECRET). */
  tokenSecret: Buffer;
  /** Lifetime of a session token in seconds (EHR_GATEWAY_TOKEN_TTL_SECONDS, default 900). */
  tokenTtlSeconds: number;
  /** Lifetime of a new user's enrolment code in hours (EHR_GATEWAY_ENROLMENT_TTL_HOURS, default 72). */
  enrolmentTtlHours: number;
  /** Failed sign-ins allowed per user within 15 minutes (EHR_GATEWAY_SIGNIN_ATTEMPTS, default 5). */
  signInAttempts: number;
  /** Sign-in, sign-up and TOTP confirmation attempts per client address per minute (EHR_GATEWAY_SIGNIN_RATE_PER_ADDRESS, default 30). */
  signInRatePerAddress: number;
  /** The same attempts per minute from everyone together (EHR_GATEWAY_SIGNIN_RATE_TOTAL, default 300). */
  signInRateTotal: number;
  /** Event streams one user may have open (EHR_GATEWAY_EVENT_STREAMS_PER_USER, default 3). */
  eventStreamsPerUser: number;
  /** Event streams the gateway serves at a time (EHR_GATEWAY_EVENT_STREAMS, default 100). */
  eventStreams: number;
  /** How many blocks below the peer's height a Last-Event-ID may resume from (EHR_GATEWAY_EVENT_RESUME_BLOCKS, default 1000). */
  eventResumeBlocks: number;
  /** How long a request with Ehr-Min-Block waits for the peer to commit that block before a 503 (EHR_GATEWAY_MIN_BLOCK_WAIT_MS, default 10000). */
  minBlockWaitMs: number;
  /**
   * How long a submit waits for its transaction's commit before answering 504, in ms
   * (EHR_GATEWAY_COMMIT_TIMEOUT_MS, default 60000): the outcome is then unknown, and a retry with
   * the same Idempotency-Key asks the ledger for it.
   */
  commitTimeoutMs: number;
  /** The built web portal served at / (EHR_GATEWAY_PORTAL_DIR, default portal/dist). */
  portalDir: string;
  /** Largest accepted request body in bytes (fixed: 256 KiB). */
  maxBodyBytes: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function integer(
  env: Env,
  name: string,
  fallback: number | undefined,
  min: number,
  max: number,
  problems: string[],
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    if (fallback === undefined) problems.push(`${name} must be set`);
    return fallback ?? 0;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    problems.push(`${name} must be an integer from ${min} to ${max}`);
  return value;
}

function secretBytes(env: Env, name: string, minBytes: number, exactBytes: boolean, problems: string[]): Buffer {
  const raw = env[name];
  if (!raw) {
    problems.push(`${name} must be set (base64, ${exactBytes ? '' : 'at least '}${minBytes} bytes)`);
    return Buffer.alloc(0);
  }
  const bytes = Buffer.from(raw, 'base64');
  const ok = exactBytes ? bytes.length === minBytes : bytes.length >= minBytes;
  if (!ok) problems.push(`${name} must decode from base64 to ${exactBytes ? '' : 'at least '}${minBytes} bytes`);
  return bytes;
}

/** Reads and validates the configuration; throws a ConfigError listing every problem. */
export function loadConfig(env: Env = process.env, root = process.cwd()): Config {
  const problems: string[] = [];
  const org = env.EHR_GATEWAY_ORG ?? '';
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(org))
    problems.push('EHR_GATEWAY_ORG must name a member of network.json (e.g. hospital-a)');
  const dataDir = env.EHR_GATEWAY_DATA_DIR;
  if (!dataDir) problems.push('EHR_GATEWAY_DATA_DIR must be set');
  const config: Config = {
    host: env.EHR_GATEWAY_HOST ?? '127.0.0.1',
    port: integer(env, 'EHR_GATEWAY_PORT', undefined, 1, 65535, problems),
    org,
    networkJson: path.resolve(root, env.EHR_NETWORK_JSON ?? 'organizations/network.json'),
    dataDir: path.resolve(root, dataDir ?? '.'),
    keyEncryptionKey: secretBytes(env, 'EHR_GATEWAY_KEY_ENCRYPTION_KEY', 32, true, problems),
    tokenSecret: secretBytes(env, 'EHR_GATEWAY_TOKEN_SECRET', 32, false, problems),
    tokenTtlSeconds: integer(env, 'EHR_GATEWAY_TOKEN_TTL_SECONDS', 900, 60, 86_400, problems),
    enrolmentTtlHours: integer(env, 'EHR_GATEWAY_ENROLMENT_TTL_HOURS', 72, 1, 720, problems),
    signInAttempts: integer(env, 'EHR_GATEWAY_SIGNIN_ATTEMPTS', 5, 1, 100, problems),
    signInRatePerAddress: integer(env, 'EHR_GATEWAY_SIGNIN_RATE_PER_ADDRESS', 30, 1, 10_000, problems),
    signInRateTotal: integer(env, 'EHR_GATEWAY_SIGNIN_RATE_TOTAL', 300, 1, 100_000, problems),
    eventStreamsPerUser: integer(env, 'EHR_GATEWAY_EVENT_STREAMS_PER_USER', 3, 1, 100, problems),
    eventStreams: integer(env, 'EHR_GATEWAY_EVENT_STREAMS', 100, 1, 10_000, problems),
    eventResumeBlocks: integer(env, 'EHR_GATEWAY_EVENT_RESUME_BLOCKS', 1000, 0, 1_000_000, problems),
    minBlockWaitMs: integer(env, 'EHR_GATEWAY_MIN_BLOCK_WAIT_MS', 10_000, 0, 60_000, problems),
    commitTimeoutMs: integer(env, 'EHR_GATEWAY_COMMIT_TIMEOUT_MS', 60_000, 1, 600_000, problems),
    portalDir: path.resolve(root, env.EHR_GATEWAY_PORTAL_DIR ?? 'portal/dist'),
    maxBodyBytes: 256 * 1024,
  };
  if (problems.length > 0) throw new ConfigError(`invalid gateway configuration:\n- ${problems.join('\n- ')}`);
  return config;
}
