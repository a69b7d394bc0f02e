/**
 * The tests a doctor types into a lab order, one a line as `CODE name` (e.g. `IGE total IgE`):
 * read into the API's `{ code, name }` list, or an error that names the line that is wrong, so
 * the order is not sent at all (the gateway would refuse it with a less helpful message).
 */

export interface LabTest {
  code: string;
  name: string;
}

/** The API's limits (gateway-api/src/schemas.ts LabOrderDetails). */
const MAX_TESTS = 50;
const MAX_CODE = 32;
const MAX_NAME = 200;

export function parseLabTests(text: string): LabTest[] {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (lines.length === 0) throw new Error('name at least one test, one a line as "CODE name" (e.g. "IGE total IgE")');
  if (lines.length > MAX_TESTS) throw new Error(`an order asks for at most ${String(MAX_TESTS)} tests`);
  return lines.map((line, index) => {
    const match = /^(\S+)\s+(.+)$/.exec(line);
    const at = `test ${String(index + 1)} ("${line}")`;
    if (!match?.[1] || !match[2]) throw new Error(`${at} needs a code and a name, as "CODE name"`);
    if (match[1].length > MAX_CODE) throw new Error(`${at}: the code is longer than ${String(MAX_CODE)} characters`);
    if (match[2].length > MAX_NAME) throw new Error(`${at}: the name is longer than ${String(MAX_NAME)} characters`);
    return { code: match[1], name: match[2] };
  });
}
