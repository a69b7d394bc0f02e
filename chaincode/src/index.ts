import { AccessContract } from './access-contract';
import { BreakGlassContract } from './break-glass-contract';
import { ConsentContract } from './consent-contract';
import { DirectoryContract } from './directory-contract';
import { ErasureContract } from './erasure-contract';
import { ProbeContract } from './probe';
import { RecordContract } from './record-contract';

export {
  AccessContract,
  BreakGlassContract,
  ConsentContract,
  DirectoryContract,
  ErasureContract,
  ProbeContract,
  RecordContract,
};

/** The contracts fabric-chaincode-node serves; the first is the default. */
export const contracts = [
  DirectoryContract,
  ConsentContract,
  RecordContract,
  AccessContract,
  BreakGlassContract,
  ErasureContract,
  ProbeContract,
];
