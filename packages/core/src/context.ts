import { createCalendar, type WorkingCalendar } from './calendar/index.js';
import type { Config } from './config/schema.js';
import { bindKeyring } from './crypto/bind-keyring.js';
import { type Keyring, loadKeyring } from './crypto/keyring.js';
import { openStorage, type Storage } from './storage/connect.js';
import { migrateToLatest } from './storage/migrate.js';

/** Everything an app needs, opened once per process and passed down explicitly. */
export interface CustodianContext {
  config: Config;
  storage: Storage;
  keyring: Keyring;
  calendar: WorkingCalendar;
  /** Operator-facing warnings gathered while opening (generated key, uncovered calendar year…). */
  warnings: string[];
  close(): Promise<void>;
}

/**
 * Opens the database (server or embedded), migrates it, loads and checks the keys, and builds the
 * working-day calendar. Throws CustodianError (DB_UNAVAILABLE, MIGRATION_FAILED, KEY_WRONG, …).
 */
export async function openCustodian(
  config: Config,
  opts: { storage?: Storage } = {},
): Promise<CustodianContext> {
  const storage =
    opts.storage ?? (await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  try {
    await migrateToLatest(storage);
    const keyring = await bindKeyring(
      storage,
      loadKeyring({ masterKeys: config.masterKeys, dataDir: config.dataDir }),
    );
    const calendar = createCalendar(
      config.calendarOverrideFile ? { overrideFile: config.calendarOverrideFile } : {},
    );
    return {
      config,
      storage,
      keyring,
      calendar,
      warnings: [...keyring.warnings],
      close: () => storage.close(),
    };
  } catch (err) {
    if (!opts.storage) await storage.close();
    throw err;
  }
}
