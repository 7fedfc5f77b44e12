/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // aws-local-stepfunctions calls Promise.withResolvers, which Node 20 lacks.
  setupFiles: ['<rootDir>/local/polyfills.ts', '<rootDir>/test/setup-env.ts'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  collectCoverageFrom: ['functions/**/*.ts'],
  coverageReporters: ['text-summary', 'text'],
  coverageThreshold: { global: { lines: 85 } },
  testTimeout: 30000,
};
