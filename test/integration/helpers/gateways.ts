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
import { type NodeSpec, runningPid, startNode, stopNode } from '../../../network/src/process';
import { orgSecrets } from '../../../network/src/secrets';
import { portBase } from '../../../network/src/topology';
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
  return signIn(url, username, await signUp(url, username, enrolmentCode));
}

/** Finishes a sign-up with the enrolment code and the previous step's TOTP code; answers the TOTP secret. */
export async function signUp(url: string, username: string, enrolmentCode: string): Promise<string> {
  const signup = await call(`${url}/v1/signup`, 'POST', { username, enrolmentCode, password: PASSWORD });
  if (signup.status !== 200) throw new Error(`sign-up of ${username}: ${JSON.stringify(signup)}`);
  const secret = (signup.body as { totpSecret: string }).totpSecret;
  const confirm = { username, enrolmentCode, code: totp(secret, Date.now() - 30_000) };
  const confirmed = await call(`${url}/v1/signup/totp`, 'POST', confirm);
  if (confirmed.status !== 204) throw new Error(`TOTP of ${username}: ${JSON.stringify(confirmed)}`);
  return secret;
}

/**
 * Signs in with password and a TOTP code (the current step's, or `at` ms from now: the gateway
 * takes a code once, and one step of drift); answers the bearer token.
 */
export async function signIn(url: string, username: string, secret: string, at = 0): Promise<string> {
  const session = await call(`${url}/v1/sessions`, 'POST', {
    username,
    password: PASSWORD,
    code: totp(secret, Date.now() + at),
  });
  if (session.status !== 201) throw new Error(`sign-in of ${username}: ${JSON.stringify(session)}`);
  return (session.body as { token: string }).token;
}

export interface Gateway {
  org: string;
  url: string;
  /** The member admin's token. */
  admin: string;
  /** The member admin's TOTP secret (their authenticator app), to sign in in a browser. */
  adminSecret: string;
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

/** A person invited at a member's gateway and signed in. */
export interface Person {
  username: string;
  token: string;
  /** Their TOTP secret (from their authenticator app). */
  secret: string;
  attrs: Record<string, string>;
  /** The ledger transaction that registered a patient or practitioner. */
  txId?: string;
}

/** What an invitation of the role carries for the ledger, which registers the user in the same step. */
function detailsFor(role: string, name: string): object {
  if (role === 'patient') return { demographics: { name, dateOfBirth: '1979-09-30' } };
  if (role === 'doctor' || role === 'labtech') return { practitioner: { licenceNo: `LIC-${name}` } };
  return {};
}

/**
 * The member's admin invites a person (registered on the ledger in the same step for patients
 * and practitioners); the person signs up with the code from their outbox and signs in.
 */
export async function invite(member: Gateway, username: string, role: string, name = username): Promise<Person> {
  const invited = await call(
    `${member.url}/v1/users`,
    'POST',
    { username, role, ...detailsFor(role, name) },
    member.admin,
  );
  if (invited.status !== 201) throw new Error(`invite ${username}: ${JSON.stringify(invited)}`);
  // The code went to the user's outbox; the admin's answer names the channel only.
  const answer = invited.body as { codeSentVia: string; attrs: Record<string, string>; txId?: string };
  if (answer.codeSentVia !== 'outbox' || 'enrolmentCode' in answer)
    throw new Error(`invite ${username}: the answer should name the channel, not the code: ${JSON.stringify(answer)}`);
  const secret = await signUp(member.url, username, enrolmentCode(member, username));
  const token = await signIn(member.url, username, secret);
  return { username, secret, token, attrs: answer.attrs, ...(answer.txId ? { txId: answer.txId } : {}) };
}

/**
 * Starts this run's gateway for the member on `portBase() + spare` (with `env` added to its
 * configuration) and signs its admin in.
 */
export async function startGateway(
  org: string,
  spare: number,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<Gateway> {
  const member = orgSpec(org);
  const base = gatewaySpec(member, orgSecrets(member));
  const dataDir = mkdtempSync(path.join(tmpdir(), `gateway-${org}-`));
  const port = portBase() + spare;
  const spec: NodeSpec = {
    ...base,
    args: [...nodeArgs, ...base.args],
    name: `test-${org}-${String(spare)}.gateway`,
    env: { ...base.env, ...env, EHR_GATEWAY_PORT: String(port), EHR_GATEWAY_DATA_DIR: dataDir },
    ports: [port],
    health: [{ kind: 'http', url: `http://${member.host}:${String(port)}/healthz` }],
  };
  started.push({ spec, dataDir });
  await startNode(spec);
  const url = `http://${member.host}:${String(port)}`;
  const code = readFileSync(path.join(dataDir, 'admin-enrolment-code'), 'utf8').trim();
  const adminSecret = await signUp(url, 'admin', code);
  return { org, url, dataDir, adminSecret, admin: await signIn(url, 'admin', adminSecret) };
}

function startedAs(gateway: Gateway): NodeSpec {
  const entry = started.find((s) => s.dataDir === gateway.dataDir);
  if (!entry) throw new Error(`no gateway of this run serves from ${gateway.dataDir}`);
  return entry.spec;
}

/** The PID of the gateway's process, or an error when it does not run. */
export function gatewayPid(gateway: Gateway): number {
  const pid = runningPid(startedAs(gateway).name);
  if (pid === undefined) throw new Error(`the gateway of ${gateway.org} at ${gateway.url} does not run`);
  return pid;
}

/**
 * Starts the gateway again on its port and data folder (users, sessions and the idempotency
 * journal survive), with `env` replacing what the last start added; stops it first if it runs.
 */
export async function restartGateway(gateway: Gateway, env: Record<string, string> = {}): Promise<void> {
  const spec = startedAs(gateway);
  await stopNode(spec.name);
  const base = gatewaySpec(orgSpec(gateway.org), orgSecrets(orgSpec(gateway.org)));
  spec.env = { ...base.env, ...env, EHR_GATEWAY_PORT: String(spec.ports[0]), EHR_GATEWAY_DATA_DIR: gateway.dataDir };
  await startNode(spec);
}

/** Stops every gateway this run started and removes their data. */
export async function stopGateways(): Promise<void> {
  for (const { spec, dataDir } of started.splice(0)) {
    await stopNode(spec.name);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
