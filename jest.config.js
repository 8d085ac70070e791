// The real-consumer suites that install a Debian package, start the whole sandbox or drive
// rclone, restic and the JS SDK through `serve` across several sessions, or boto3 under a shifted
// clock (faketime) for a minute and a half: they run as
// `npm run verify:hosts` (and in .ci/run), so `npm test` stays under two minutes.
const HOST_SUITES = ['/test/package/.*\\.test\\.ts$', '/test/client/clock-skew\\.e2e\\.test\\.ts$', '/test/sandbox/npm-start\\.e2e\\.test\\.ts$', '/test/client/s3-tools\\.e2e\\.test\\.ts$', '/test/client/serve\\.e2e\\.test\\.ts$'];
const hostsOnly = process.env.OIDC_S3_TEST_SET === 'hosts';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  ...(hostsOnly ? { testRegex: HOST_SUITES } : { testMatch: ['**/*.test.ts'], testPathIgnorePatterns: ['/node_modules/', ...HOST_SUITES] }),
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
