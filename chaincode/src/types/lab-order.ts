import type { LabOrderDetails } from '@ehr/protocol';
import { invalid } from '../errors';
import { type Input, optionalStr, str } from '../validate';

export { LAB_PRIORITIES as PRIORITIES, type LabOrder, type LabOrderDetails, type LabOrderStatus } from '@ehr/protocol';

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
