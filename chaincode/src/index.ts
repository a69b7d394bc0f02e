import { AccessContract } from './access-contract';
import { AppointmentContract } from './appointment-contract';
import { BillContract } from './bill-contract';
import { BreakGlassContract } from './break-glass-contract';
import { ClaimContract } from './claim-contract';
import { ConsentContract } from './consent-contract';
import { DirectoryContract } from './directory-contract';
import { ErasureContract } from './erasure-contract';
import { LabOrderContract } from './lab-order-contract';
import { PolicyContract } from './policy-contract';
import { ProbeContract } from './probe';
import { RecordContract } from './record-contract';
import { RequestContract } from './request-contract';

export {
  AccessContract,
  BreakGlassContract,
  ConsentContract,
  DirectoryContract,
  ErasureContract,
  ProbeContract,
  RecordContract,
  RequestContract,
};

/** The contracts fabric-chaincode-node serves; the first is the default. */
export const contracts = [
  DirectoryContract,
  ConsentContract,
  RecordContract,
  AccessContract,
  BreakGlassContract,
  ErasureContract,
  LabOrderContract,
  AppointmentContract,
  PolicyContract,
  ClaimContract,
  BillContract,
  RequestContract,
  ProbeContract,
];
