/** Public: a patient's request to erase their private data, and its approvals. */
export interface ErasureRequest {
  requestId: string;
  patientId: string;
  requestedAt: string;
  /** Approved once every required member approved. */
  status: 'requested' | 'approved';
  /** The members that must approve (each purging what it holds): the home member and every custodian of the patient's records. */
  required: string[];
  approvals: { mspId: string; approvedAt: string; purgedKeys: number }[];
}
