/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // Native runs use all cores themselves; two jest workers keep the machine busy without thrashing.
  maxWorkers: 2,
  testTimeout: 120000,
};
