// `npm run test:cluster`: the acceptance suites of the earlier issues again,
// every server's log on a PostgreSQL primary with a synchronous standby
// (test/cluster-setup.ts). Suites that test the embedded WAL itself (its
// files, its CLI, its crash recovery) stay with `npm test`; see README.md.
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test'],
  testMatch: ['<rootDir>/test/e2e/**/*.test.ts', '<rootDir>/test/api/**/*.test.ts', '<rootDir>/test/console/**/*.test.ts'],
  // record-format rewrites the WAL's files record by record to test the format-1 reader: a test of the WAL itself.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/record-format.test.ts'],
  globalSetup: '<rootDir>/test/cluster-setup.ts',
  globalTeardown: '<rootDir>/test/cluster-teardown.ts',
};
