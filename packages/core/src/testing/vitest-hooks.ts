import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { Storage } from '../storage/connect.js';
import { clearTables, type TestBackend } from './test-storage.js';

/**
 * The enclosing describe block's database: `backend` opened (and handed to `opened`) before its
 * tests, every table emptied before each test (a hook registered before the block's own, so it
 * runs first), closed after them all.
 */
export function useTestStorage(
  backend: TestBackend,
  opened: (storage: Storage) => void | Promise<void>,
): void {
  let storage: Storage | undefined;
  beforeAll(async () => {
    storage = await backend.open();
    await opened(storage);
  });
  afterAll(async () => {
    await storage?.close();
  });
  beforeEach(async () => {
    if (storage) await clearTables(storage);
  });
}
