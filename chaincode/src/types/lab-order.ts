import { invalid } from '../errors';
import { type Input, optionalStr, str } from '../validate';

export const PRIORITIES = ['routine', 'urgent', 'stat'] as const;
export type LabOrderStatus = 'ordered' | 'accepted' | 'rejected' | 'in-progress' | 'completed';

/** Public: a lab order. The tests ordered stay private to the hospital and the lab. */
export interface LabOrder {
  orderId: string;
  patientId: string;
  orderingOrg: string;
  orderingDoctor: string;
  lab: string;
  /** SHA-256 of the canonical order details held by both members. */
  detailsHash: string;
  priority: (typeof PRIORITIES)[number];
  status: LabOrderStatus;
  rejectionReason?: string;
  resultRecordId?: string;
  createdAt: string;
  updatedAt: string;
}

/** Private (ordering hospital and lab): what is to be tested. Stored salted (ledger.ts putPrivate). */
export interface LabOrderDetails {
  orderId: string;
  tests: { code: string; name: string }[];
  notes?: string;
}

export function parseLabOrderDetails(input: Input, orderId: string): LabOrderDetails {
  const tests = input.tests;
  if (!Array.isArray(tests) || tests.length === 0 || tests.length > 50)
    throw invalid('tests must be an array of 1 to 50 tests');
  const details: LabOrderDetails = {
    orderId,
    tests: tests.map((t: unknown, i) => {
      if (typeof t !== 'object' || t === null) throw invalid(`tests[${i}] must be an object`);
      const test = t as Input;
      return { code: str(test, 'code', { max: 32 }), name: str(test, 'name', { max: 200 }) };
    }),
  };
  const notes = optionalStr(input, 'notes', { max: 4000 });
  if (notes) details.notes = notes;
  return details;
}
