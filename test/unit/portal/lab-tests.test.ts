/** A doctor's lab order lists its tests one a line; a wrong line stops the order before it is sent. */
import { parseLabTests } from '../../../portal/src/lab-tests';

describe('the lab tests a doctor types', () => {
  it('reads one test a line as code then name, skipping blank lines', () => {
    expect(parseLabTests('IGE total IgE\r\n\n  CBC  full blood count \n')).toEqual([
      { code: 'IGE', name: 'total IgE' },
      { code: 'CBC', name: 'full blood count' },
    ]);
  });

  it('refuses an empty order, a line without a name and overlong codes or names, naming the line', () => {
    expect(() => parseLabTests(' \n ')).toThrow('name at least one test');
    expect(() => parseLabTests('IGE total IgE\nCBC')).toThrow('test 2 ("CBC") needs a code and a name');
    expect(() => parseLabTests(`${'X'.repeat(33)} too long`)).toThrow('the code is longer than 32 characters');
    expect(() => parseLabTests(`X ${'n'.repeat(201)}`)).toThrow('the name is longer than 200 characters');
    expect(() => parseLabTests(Array.from({ length: 51 }, (_, i) => `T${String(i)} test`).join('\n'))).toThrow(
      'at most 50 tests',
    );
  });
});
