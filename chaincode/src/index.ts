import { ProbeContract } from './probe';

export { ProbeContract } from './probe';

/** The contracts fabric-chaincode-node serves, the first being the default. */
export const contracts: (typeof ProbeContract)[] = [ProbeContract];
