// Path aliases come from tsconfig.json so the two can never drift apart.
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.json');

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/libs', '<rootDir>/apps', '<rootDir>/domain-models', '<rootDir>/migrations'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': 'ts-jest',
    // temporal-polyfill (and temporal-utils), and content-disposition (of @fastify/static), ship ES modules only; Node 20 requires them natively, jest's loader cannot.
    '/node_modules/(temporal-(polyfill|utils)|content-disposition)/.+\\.js$': [
      'ts-jest',
      { tsconfig: { allowJs: true, module: 'commonjs', target: 'es2022', isolatedModules: true } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(temporal-(polyfill|utils)|content-disposition)/)'],
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  // Two cores: tests that do real fsyncs and spawn children compete for them.
  maxWorkers: 2,
  testTimeout: 120000,
};
