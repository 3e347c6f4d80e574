import { describe, expect, it } from 'vitest';
import { loadConfig } from './load.js';

describe('configuration', () => {
  it('has working defaults with an empty environment', () => {
    const c = loadConfig({ env: {}, file: undefined });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.dataDir).toBe('./.custodian/data');
    expect(c.ingest.nightlyAt).toBe('01:00');
    expect(c.ingest.dueAfterWorkingDays).toBe(3);
  });

  it('reads the environment and names a bad setting', () => {
    expect(
      loadConfig({ env: { DATABASE_URL: 'postgres://u@h/db', CUSTODIAN_WORKERS: '2' } }).ingest.workers,
    ).toBe(2);
    expect(() => loadConfig({ env: { CUSTODIAN_CONSOLE_PORT: '70000' } })).toThrow(/console\.port/);
  });

  it('names an unreadable explicit config file', () => {
    expect(() => loadConfig({ env: { CUSTODIAN_CONFIG: '/nonexistent/c.json' } })).toThrow(
      /\/nonexistent\/c\.json/,
    );
  });
});
