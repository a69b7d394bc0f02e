/**
 * `npm start` / `npm run network:{up,down,clean,status}`.
 *
 *   up [--statedb couchdb|leveldb]   bring the consortium up (idempotent)
 *   down                             stop every process by its recorded PID
 *   clean                            stop and remove all state
 *   status                           list the processes and their health
 *   revoke <member> <enrolment id> [--reason r]
 *                                    revoke a user's certificates at the member's CA and carry
 *                                    the new CRL into the channel (a config update the member's
 *                                    admin signs)
 *   publish-crl <member>             carry the member CA's current CRL into the channel (after
 *                                    revocations made through the gateway's registrar)
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { NetworkJson } from '@ehr/protocol';
import { publishRevocations } from './channel-config';
import { REVOCATION_REASONS, type RevocationReason, revokeIdentity } from './identities';
import { clean, down, status, up } from './network';
import { asMember, ORGS, type OrgSpec, paths, type StateDbType } from './topology';

const log = (message: string) => {
  console.log(`[network] ${message}`);
};

function stateDbOption(args: string[]): StateDbType | undefined {
  const i = args.indexOf('--statedb');
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value !== 'couchdb' && value !== 'leveldb') throw new Error('--statedb takes couchdb or leveldb');
  return value;
}

function member(name: string | undefined): OrgSpec {
  const found = ORGS.find((o) => o.name === name);
  if (!found) throw new Error(`name a member: ${ORGS.map((o) => o.name).join(', ')}`);
  return found;
}

function reasonOption(args: string[]): RevocationReason {
  const i = args.indexOf('--reason');
  if (i < 0) return 'unspecified';
  const value = args[i + 1];
  const reason = REVOCATION_REASONS.find((r) => r === value);
  if (!reason) throw new Error(`--reason takes one of ${REVOCATION_REASONS.join(', ')}`);
  return reason;
}

function printSummary(): void {
  const network = JSON.parse(readFileSync(paths.networkJson, 'utf8')) as NetworkJson;
  console.log('\nThe consortium is up. Connection details: organizations/network.json');
  for (const org of network.orgs) {
    console.log(
      `  ${org.name.padEnd(11)} ${org.mspId.padEnd(13)} peer ${org.peer.endpoint}  orderer ${org.orderer.endpoint}  CA ${org.ca.url}`,
    );
  }
  console.log("\nEach member's gateway: web portal at /, REST API at /v1, API reference at /docs");
  for (const member of ORGS) {
    const url = network.orgs.find((org) => org.name === member.name)?.gateway.url ?? '';
    const code = path.join(paths.org(member).gatewayData, 'admin-enrolment-code');
    const first = existsSync(code) ? `  admin's first sign-in code: ${path.relative(process.cwd(), code)}` : '';
    console.log(`  ${member.name.padEnd(11)} ${url}${first}`);
  }
}

async function showStatus(): Promise<void> {
  const nodes = await status();
  if (nodes.length === 0) console.log('no network: run `npm start`');
  for (const node of nodes) {
    const state = node.pid === undefined ? 'stopped' : node.healthy ? 'healthy' : 'unhealthy';
    console.log(`${node.name.padEnd(22)} ${state.padEnd(9)} ${node.pid === undefined ? '' : `pid ${node.pid}`}`);
  }
  if (nodes.some((n) => n.pid === undefined || !n.healthy)) process.exitCode = 1;
}

async function revoke(args: string[]): Promise<void> {
  const [memberName, name] = args;
  if (!name || name.startsWith('--')) throw new Error('usage: revoke <member> <enrolment id> [--reason r]');
  const org = member(memberName);
  const reason = reasonOption(args);
  await asMember(org, () => revokeIdentity(org, name, reason));
  log(`${org.name} CA revoked ${name}`);
  await publishRevocations(org);
  log(`the channel carries ${org.name}'s new CRL`);
}

const COMMANDS: Record<string, (args: string[]) => Promise<void>> = {
  up: async (args) => {
    const startedAt = Date.now();
    await up({ stateDb: stateDbOption(args) }, log);
    log(`up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    printSummary();
  },
  down: () => down(log),
  clean: () => clean(log),
  status: showStatus,
  revoke,
  'publish-crl': async (args) => {
    const org = member(args[0]);
    await publishRevocations(org);
    log(`the channel carries ${org.name}'s current CRL`);
  },
};

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  const run = command !== undefined && Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!run) throw new Error(`unknown command ${command ?? '(none)'}: use ${Object.keys(COMMANDS).join(', ')}`);
  await run(args);
}

main().catch((error: unknown) => {
  console.error(`[network] error: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
