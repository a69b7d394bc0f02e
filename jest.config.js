/** @type {import('jest').Config} */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }];
// Tests run the protocol workspace from its source, as the type check resolves it (tsconfig paths).
const moduleNameMapper = { '^@ehr/protocol$': '<rootDir>/protocol/src/index.ts' };

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/unit'],
      transform: { '^.+\\.ts$': tsJest },
      moduleNameMapper,
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/integration'],
      transform: { '^.+\\.ts$': tsJest },
      moduleNameMapper,
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/integration/setup.ts'],
    },
  ],
  collectCoverageFrom: [
    'protocol/src/**/*.ts',
    'chaincode/src/**/*.ts',
    'network/src/statedb/**/*.ts',
    'network/src/process.ts',
  ],
  coverageReporters: ['text-summary', 'text'],
};
