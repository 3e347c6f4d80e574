export * from './custodian-error.js';
export * from './test-storage.js';
export * from './vitest-hooks.js';
