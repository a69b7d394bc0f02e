/** Public: a patient's request to erase their private data, and its approval. */
export interface ErasureRequest {
  requestId: string;
  patientId: string;
  requestedAt: string;
  status: 'requested' | 'approved';
  approvals: { mspId: string; approvedAt: string; purgedKeys: number }[];
}
