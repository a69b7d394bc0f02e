/**
 * Runs the suites in Jest's own order, but the PHI scan last: it looks for the marker PHI every
 * other suite of the run wrote (test/integration/phi-scan.test.ts).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- Jest loads its sequencer as CommonJS, as it does jest.config.js
const Sequencer = require('@jest/test-sequencer').default;

const last = (test) => test.path.endsWith('phi-scan.test.ts');

class ScanLastSequencer extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    return [...sorted.filter((test) => !last(test)), ...sorted.filter(last)];
  }
}

module.exports = ScanLastSequencer;
