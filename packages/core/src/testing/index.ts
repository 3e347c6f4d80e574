export * from './custodian-error.js';
export * from './run-cli.js';
export * from './test-storage.js';
export * from './vitest-hooks.js';
