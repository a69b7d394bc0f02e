/**
 * The protocol's contract and transaction names are those the chaincode serves: every contract
 * registers under a protocol name, and its invocable methods (fabric-contract-api serves every
 * public method of the class) are exactly the protocol's list, each declared a transaction.
 */
import { CONTRACT_NAMES, CONTRACTS, CREATES, type ContractName } from '@ehr/protocol';
import { contracts } from '../../../chaincode/src';

/** Contract hooks fabric-contract-api calls itself; a client cannot invoke them. */
const HOOKS = new Set(['constructor', 'beforeTransaction', 'afterTransaction', 'unknownTransaction', 'createContext']);

/** fabric-contract-api's record of the @Transaction methods of a class (reflect-metadata, which it loads). */
const metadata = Reflect as unknown as { getMetadata(key: string, target: object): { name: string }[] | undefined };

function served(prototype: object): string[] {
  return Object.getOwnPropertyNames(prototype)
    .filter((name) => !HOOKS.has(name) && !name.startsWith('_'))
    .filter((name) => typeof (prototype as Record<string, unknown>)[name] === 'function')
    .sort();
}

describe('the contracts and transactions of the protocol', () => {
  const byName = new Map(contracts.map((Contract) => [new Contract().getName(), Contract]));

  it('are the contracts the chaincode serves', () => {
    expect([...byName.keys()].sort()).toEqual([...CONTRACT_NAMES].sort());
  });

  it.each(CONTRACT_NAMES)('lists the transactions the %s contract serves, each declared a transaction', (name) => {
    const Contract = byName.get(name);
    if (!Contract) throw new Error(`no ${name} contract in the chaincode`);
    expect(served(Contract.prototype)).toEqual([...CONTRACTS[name]].sort());
    const declared = (metadata.getMetadata('fabric:transactions', Contract.prototype) ?? []).map((t) => t.name);
    expect(declared.sort()).toEqual([...CONTRACTS[name]].sort());
  });

  it.each(Object.keys(CREATES))('names a served transaction among those that create objects: %s', (name) => {
    const [contract = '', transaction = ''] = name.split('.');
    expect(CONTRACTS[contract as ContractName] as readonly string[]).toContain(transaction);
  });
});
