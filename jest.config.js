/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': '<rootDir>/test/esbuild-transform.cjs',
    // jose 6 ships only ES modules, which jest's CommonJS runtime cannot load untransformed.
    '/node_modules/jose/.+\\.js$': '<rootDir>/test/esbuild-transform.cjs',
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  setupFiles: ['<rootDir>/test/setup-env.cjs'],
  reporters: ['default', '<rootDir>/test/summary-reporter.cjs'],
  testTimeout: 30000,
  maxWorkers: 2,
};
