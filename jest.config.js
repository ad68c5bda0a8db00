/** Unit specs live beside the code (*.spec.ts); cross-module e2e specs in test/ (*.e2e-spec.ts). */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test', '<rootDir>/bench'],
  testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
  transform: {
    '^.+\\.ts$': swc,
    // A few dependencies ship only ES modules, which Jest's CommonJS runtime cannot load as they are.
    '^.+\\.js$': ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition)/)'],
  moduleNameMapper: {
    '^@maas/core$': '<rootDir>/libs/core/src',
    '^@maas/tokens$': '<rootDir>/libs/tokens/src',
    '^@maas/memes$': '<rootDir>/libs/memes/src',
    '^@maas/media$': '<rootDir>/libs/media/src',
    '^@maas/storage$': '<rootDir>/libs/storage/src',
    '^@maas/notifications$': '<rootDir>/libs/notifications/src',
    '^@maas/subscriptions$': '<rootDir>/libs/subscriptions/src',
    '^@maas/ai$': '<rootDir>/libs/ai/src',
  },
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testTimeout: 30_000,
  maxWorkers: 2,
};
