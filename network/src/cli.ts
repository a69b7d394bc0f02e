/**
 * `npm start` / `npm run network:{up,down,clean,status}`.
 *
 *   up [--statedb couchdb|leveldb]   bring the consortium up (idempotent)
 *   down                             stop every process by its recorded PID
 *   clean                            stop and remove all state
 *   status                           list the processes and their health
 */
import { readFileSync } from 'node:fs';
import { clean, down, status, up } from './network';
import { paths, type StateDbType } from './topology';

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

interface NetworkJson {
  orgs: {
    name: string;
    mspId: string;
    peer: { endpoint: string };
    orderer: { endpoint: string };
    ca: { url: string };
  }[];
}

function printSummary(): void {
  const network = JSON.parse(readFileSync(paths.networkJson, 'utf8')) as NetworkJson;
  console.log('\nThe consortium is up. Connection details: organizations/network.json');
  for (const org of network.orgs) {
    console.log(
      `  ${org.name.padEnd(11)} ${org.mspId.padEnd(13)} peer ${org.peer.endpoint}  orderer ${org.orderer.endpoint}  CA ${org.ca.url}`,
    );
  }
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  switch (command) {
    case 'up': {
      const startedAt = Date.now();
      await up({ stateDb: stateDbOption(args) }, log);
      log(`up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
      printSummary();
      return;
    }
    case 'down':
      await down(log);
      return;
    case 'clean':
      await clean(log);
      return;
    case 'status': {
      const nodes = await status();
      if (nodes.length === 0) console.log('no network: run `npm start`');
      for (const node of nodes) {
        const state = node.pid === undefined ? 'stopped' : node.healthy ? 'healthy' : 'unhealthy';
        console.log(`${node.name.padEnd(22)} ${state.padEnd(9)} ${node.pid === undefined ? '' : `pid ${node.pid}`}`);
      }
      if (nodes.some((n) => n.pid === undefined || !n.healthy)) process.exitCode = 1;
      return;
    }
    default:
      throw new Error(`unknown command ${command ?? '(none)'}: use up, down, clean or status`);
  }
}

main().catch((error: unknown) => {
  console.error(`[network] error: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
