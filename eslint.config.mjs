// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'coverage/**',
      '.fabric/**',
      '.network/**',
      'organizations/**',
      'test-artifacts/**',
      // Generated from the gateway's OpenAPI document (portal/scripts/api-types.ts).
      'portal/src/api.d.ts',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: ['*.mjs', '*.js'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      complexity: ['error', 12],
      'max-depth': ['error', 4],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    },
  },
  // Import boundaries between workspaces: the protocol imports nothing; the chaincode, the
  // gateway, the network scripts and the portal import the protocol (by its package name) and no other
  // workspace's source; tests may import anything.
  {
    files: ['protocol/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\./)',
              message:
                'The protocol imports nothing but its own modules: no packages, no Node APIs, no other workspace.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['chaincode/src/**/*.ts', 'gateway-api/src/**/*.ts', 'network/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./){2,}(protocol|chaincode|gateway-api|network|test)(/|$)',
              message: "Import the protocol as '@ehr/protocol'; another workspace's source is not yours to import.",
            },
            { regex: '^@ehr/(?!protocol$)', message: 'Workspaces share only @ehr/protocol.' },
          ],
        },
      ],
    },
  },
  // The portal runs in browsers: its own packages and the protocol, no Node API, no other
  // workspace's source (its build scripts, in portal/scripts, are tooling like scripts/).
  {
    files: ['portal/src/**/*.ts', 'portal/src/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./){2,}(protocol|chaincode|gateway-api|network|test|scripts)(/|$)',
              message: "Import the protocol as '@ehr/protocol'; another workspace's source is not yours to import.",
            },
            { regex: '^@ehr/(?!protocol$)', message: 'Workspaces share only @ehr/protocol.' },
            { regex: '^node:', message: 'The portal runs in browsers: no Node APIs.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
  {
    // Caliper loads workload modules with require(): CommonJS on Node.
    files: ['bench/caliper/**/*.js'],
    languageOptions: { globals: { __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // HTTP response bodies in tests are `any` by nature; the assertions check their shape.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
);
