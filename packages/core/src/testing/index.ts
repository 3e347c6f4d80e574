export * from './test-storage.js';
