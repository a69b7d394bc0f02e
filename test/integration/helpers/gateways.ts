/**
 * The member gateways over HTTP, as client apps use them: this run's own instance of the
 * gateway program per member (fresh data folder, spare port, in front of the member's real
 * peer and CA), its admin signed in with the one-time enrolment code, users invited and signed
 * in with password + TOTP. An invited user's code is read from their outbox under the gateway's
 * data folder, as the user would receive it (the admin's answer does not hold it).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { totp } from '../../../gateway-api/src/auth/totp';
import { readOutbox } from '../../../gateway-api/src/delivery';
import { gatewaySpec } from '../../../network/src/nodes/fabric';
import { type NodeSpec, startNode, stopNode } from '../../../network/src/process';
import { orgSecrets } from '../../../network/src/secrets';
import { HOST, portBase } from '../../../network/src/topology';
import { orgSpec } from './network';

export const PASSWORD = 'integration passphrase 42';

export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field
  body: any;
}

/** One HTTP call with JSON in and out. */
export async function call(url: string, method: string, body?: unknown, token?: string): Promise<Answer> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

/**
 * Finishes a sign-up with the enrolment code and signs in. The authenticator is confirmed with
 * the previous step's code (the gateway allows one step of clock drift) and the sign-in uses the
 * current one, so no wait for the next 30 s step is needed: a code is accepted only once.
 */
export async function activate(url: string, username: string, enrolmentCode: string): Promise<string> {
  const signup = await call(`${url}/v1/signup`, 'POST', { username, enrolmentCode, password: PASSWORD });
  if (signup.status !== 200) throw new Error(`sign-up of ${username}: ${JSON.stringify(signup)}`);
  const secret = (signup.body as { totpSecret: string }).totpSecret;
  const confirm = { username, enrolmentCode, code: totp(secret, Date.now() - 30_000) };
  const confirmed = await call(`${url}/v1/signup/totp`, 'POST', confirm);
  if (confirmed.status !== 204) throw new Error(`TOTP of ${username}: ${JSON.stringify(confirmed)}`);
  return signIn(url, username, secret);
}

/** Signs in with password and the current TOTP code; answers the bearer token. */
export async function signIn(url: string, username: string, secret: string): Promise<string> {
  const session = await call(`${url}/v1/sessions`, 'POST', {
    username,
    password: PASSWORD,
    code: totp(secret, Date.now()),
  });
  if (session.status !== 201) throw new Error(`sign-in of ${username}: ${JSON.stringify(session)}`);
  return (session.body as { token: string }).token;
}

export interface Gateway {
  org: string;
  url: string;
  /** The member admin's token. */
  admin: string;
  /** The gateway's data folder (users' outboxes are there). */
  dataDir: string;
}

/** The enrolment code the gateway sent the user (their outbox message), or an error. */
export function enrolmentCode(gateway: Gateway, username: string): string {
  const code = readOutbox(gateway.dataDir, username);
  if (code === undefined) throw new Error(`no enrolment code in the outbox of ${username} at ${gateway.org}`);
  return code;
}

const started: { spec: NodeSpec; dataDir: string }[] = [];

/** Starts this run's gateway for the member on `portBase() + spare` and signs its admin in. */
export async function startGateway(org: string, spare: number): Promise<Gateway> {
  const member = orgSpec(org);
  const base = gatewaySpec(member, orgSecrets(member));
  const dataDir = mkdtempSync(path.join(tmpdir(), `gateway-${org}-`));
  const port = portBase() + spare;
  const spec: NodeSpec = {
    ...base,
    name: `test-${org}.gateway`,
    env: { ...base.env, EHR_GATEWAY_PORT: String(port), EHR_GATEWAY_DATA_DIR: dataDir },
    ports: [port],
    health: [{ kind: 'http', url: `http://${HOST}:${String(port)}/healthz` }],
  };
  started.push({ spec, dataDir });
  await startNode(spec);
  const url = `http://${HOST}:${String(port)}`;
  const code = readFileSync(path.join(dataDir, 'admin-enrolment-code'), 'utf8').trim();
  return { org, url, dataDir, admin: await activate(url, 'admin', code) };
}

/** Stops every gateway this run started and removes their data. */
export async function stopGateways(): Promise<void> {
  for (const { spec, dataDir } of started.splice(0)) {
    await stopNode(spec.name);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
