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
 *
 * A member joining the running consortium, one command per party (README: "A hospital joins"):
 *   member init <name | member.json> the newcomer: its CA, identities and published files
 *                                    (a name reads network/members/<name>.json)
 *   join propose <newcomer> --as <member> [--orderer] --out <update.pb>
 *                                    any member: the config update admitting the newcomer
 *   join sign <member> <update.pb> --out <signature.json>
 *                                    each signing member: its admin's signature, as a file
 *   join submit <update.pb> --as <member> [signature.json ...]
 *                                    one member: submits once a majority of members signed
 *   join approve-kind <member> <newcomer>
 *                                    each approving member: the newcomer's kind on the ledger
 *   member up <name>                 the newcomer: orderer and peer onto the channel, anchor
 *                                    peer, chaincode, gateway, demo data
 * A member leaving:
 *   leave propose <member> --as <member> --out <update.pb>, then `join sign` and
 *   leave submit <member> <update.pb> --as <member> [signature.json ...]
 *   member leave <name>              the member that left: its orderer leaves the channel
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { NetworkJson } from '@ehr/protocol';
import { publishRevocations } from './channel-config';
import { REVOCATION_REASONS, type RevocationReason, revokeIdentity } from './identities';
import { initMember, memberLeave, memberUp, proposeJoin, proposeLeave, signUpdateFile, submitSigned } from './join';
import { clean, down, status, up } from './network';
import { approveKind } from './seed';
import {
  asMember,
  findMember,
  knownMembers,
  type OrgSpec,
  parseMemberDefinition,
  paths,
  setServing,
  type StateDbType,
  watchPrivateAccess,
} from './topology';

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

const member = findMember;

/** The value after `--name`, required. */
function option(args: string[], name: string, usage: string): string {
  const i = args.indexOf(name);
  const value = i < 0 ? undefined : args[i + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} is required: ${usage}`);
  return value;
}

/** The arguments that are neither options nor their values. */
function positional(args: string[], optionsWithValues: string[]): string[] {
  return args.filter((arg, i) => !arg.startsWith('--') && !optionsWithValues.includes(args[i - 1] ?? ''));
}

/** A newcomer's definition: a member.json file, or a name whose file is network/members/<name>.json. */
function definitionOf(arg: string | undefined): OrgSpec {
  if (!arg) throw new Error('usage: member init <name | member.json>');
  const file = arg.endsWith('.json') ? path.resolve(arg) : path.join(paths.root, 'network', 'members', `${arg}.json`);
  if (!existsSync(file)) throw new Error(`no member definition at ${file}`);
  return parseMemberDefinition(JSON.parse(readFileSync(file, 'utf8')) as unknown, file);
}

const JOIN_PROPOSE = 'join propose <newcomer> --as <member> [--orderer] --out <update.pb>';
const LEAVE_PROPOSE = 'leave propose <member> --as <member> --out <update.pb>';
const SIGN = 'join sign <member> <update.pb> --out <signature.json>';
const SUBMIT = 'join submit <update.pb> --as <member> [signature.json ...]';

async function sign(args: string[]): Promise<void> {
  const [signerName, envelope] = positional(args, ['--out']);
  if (!envelope) throw new Error(`usage: ${SIGN}`);
  const signer = member(signerName);
  const out = option(args, '--out', SIGN);
  const summary = await signUpdateFile(signer, envelope, out);
  log(`${signer.name}'s admin signed the update, which ${summary.join('; ')}: send ${out} to the member that submits`);
}

async function submit(args: string[]): Promise<void> {
  const [envelope, ...signatures] = positional(args, ['--as']);
  if (!envelope) throw new Error(`usage: ${SUBMIT}`);
  const submitter = member(option(args, '--as', SUBMIT));
  const { signers, needed } = await submitSigned(submitter, envelope, signatures);
  log(`committed, signed by ${signers.join(', ')} (${String(needed)} needed)`);
}

const MEMBER_COMMANDS: Record<string, (args: string[]) => Promise<void>> = {
  init: (args) => initMember(definitionOf(args[0]), log),
  up: async (args) => {
    const org = member(args[0]);
    const result = await memberUp(org, log);
    log(
      `${org.name} is up` +
        (result.caughtUpFrom === undefined ? '' : `: its peer caught up from height ${String(result.caughtUpFrom)}`) +
        (result.consenter ? ', its orderer is a consenter' : ', no orderer of its own on the channel') +
        (result.firstTransactionAt
          ? `; first transaction committed at ${result.firstTransactionAt.toISOString()}`
          : ''),
    );
  },
  leave: (args) => memberLeave(member(args[0]), log),
};

const JOIN_COMMANDS: Record<string, (args: string[]) => Promise<void>> = {
  propose: async (args) => {
    const [newcomerName] = positional(args, ['--as', '--out']);
    const newcomer = member(newcomerName);
    const proposer = member(option(args, '--as', JOIN_PROPOSE));
    const out = option(args, '--out', JOIN_PROPOSE);
    await proposeJoin(proposer, newcomer, { orderer: args.includes('--orderer') }, out);
    log(`${proposer.name} wrote the update admitting ${newcomer.name} to ${out}: members' admins sign it (join sign)`);
  },
  sign,
  submit,
  'approve-kind': async (args) => {
    const [approverName, newcomerName] = args;
    const approver = member(approverName);
    const newcomer = member(newcomerName);
    const inEffect = await approveKind(approver, newcomer);
    log(`${approver.name} approved ${newcomer.mspId} as a ${newcomer.kind}${inEffect ? ': now in effect' : ''}`);
  },
};

const LEAVE_COMMANDS: Record<string, (args: string[]) => Promise<void>> = {
  propose: async (args) => {
    const [leaverName] = positional(args, ['--as', '--out']);
    const leaver = member(leaverName);
    const proposer = member(option(args, '--as', LEAVE_PROPOSE));
    const out = option(args, '--out', LEAVE_PROPOSE);
    await proposeLeave(proposer, leaver, out);
    log(`${proposer.name} wrote the update removing ${leaver.name} to ${out}: members' admins sign it (join sign)`);
  },
  sign,
  submit: async (args) => {
    const [leaverName, ...rest] = args;
    const leaver = member(leaverName);
    await submit(rest);
    setServing(leaver, false);
    log(`${leaver.name} is no longer a member of the channel`);
  },
};

/** A command with subcommands: `member init …`. */
function group(name: string, commands: Record<string, (args: string[]) => Promise<void>>) {
  return async ([sub, ...args]: string[]) => {
    const run = sub !== undefined && Object.hasOwn(commands, sub) ? commands[sub] : undefined;
    if (!run)
      throw new Error(
        `${name} ${sub ?? ''}: use ${Object.keys(commands)
          .map((c) => `${name} ${c}`)
          .join(', ')}`,
      );
    await run(args);
  };
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
  for (const member of knownMembers()) {
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
  member: group('member', MEMBER_COMMANDS),
  join: group('join', JOIN_COMMANDS),
  leave: group('leave', LEAVE_COMMANDS),
};

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  const run = command !== undefined && Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!run) throw new Error(`unknown command ${command ?? '(none)'}: use ${Object.keys(COMMANDS).join(', ')}`);
  // EHR_RECORD_PRIVATE_ACCESS=<file>: which member's step used which member's private folder,
  // written as JSON when the command ends (the join test checks each party used only its own).
  const record = process.env.EHR_RECORD_PRIVATE_ACCESS;
  const stop = record ? watchPrivateAccess() : undefined;
  try {
    await run(args);
  } finally {
    if (record && stop) writeFileSync(record, JSON.stringify(stop()));
  }
}

main().catch((error: unknown) => {
  console.error(`[network] error: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
