/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    // hyparquet(-writer), the Parquet writer of lib/report/parquet.ts, ships ES modules only: jest's
    // CommonJS runtime needs them compiled (Node itself require()s them from 20.19 on).
    '/node_modules/hyparquet(-writer)?/.+\\.js$': [
      'ts-jest',
      { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022', isolatedModules: true } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(hyparquet|hyparquet-writer)/)'],
  // Native runs use all cores themselves; two jest workers keep the machine busy without thrashing.
  maxWorkers: 2,
  testTimeout: 120000,
};
