// Projects: unit specs beside the code, integration specs against the real PostgreSQL and Redis,
// end-to-end specs that start the real apps, fault specs, the bad-input (fuzz) suite and browser
// specs. See docs/architecture.md ("Tests").
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    // Keep `import()` as a real dynamic import so ESM-only clients (fhir-kit-client) load.
    module: { type: 'commonjs', ignoreDynamic: true },
  },
];
const moduleNameMapper = {
  '^@hub/(contracts|platform|persistence|fhir|identity|consortium|centre|hl7v2|critical-value|dicom|ecg)$':
    '<rootDir>/libs/$1/src',
};
const common = { transform: { '^.+\\.ts$': swc }, moduleNameMapper, testEnvironment: 'node' };

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts'],
      // The workbench is checked in a real browser (test/browser).
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/apps/workbench/'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.js',
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.js',
    },
    {
      // Fault tests: PostgreSQL stopped under the running hub (a private cluster), poison jobs
      // and messages (FAULTS_ROUNDS sets their size: npm test 1, npm run test:faults:long 5), and
      // apps killed under a stream of orders (chaos.faults.spec.ts, FAULTS_* knobs).
      ...common,
      displayName: 'faults',
      testMatch: ['<rootDir>/test/faults/**/*.spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.js',
    },
    {
      ...common,
      displayName: 'fuzz',
      testMatch: ['<rootDir>/test/fuzz/**/*.spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.js',
    },
    {
      ...common,
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/**/*.spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.js',
    },
  ],
};
