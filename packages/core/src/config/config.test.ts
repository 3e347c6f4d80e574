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

  it('refuses an unknown profile and a time of day that is not one, at start-up', () => {
    expect(loadConfig({ env: { CUSTODIAN_PROFILE: 'telecom' }, file: false }).ingest.profile).toBe('telecom');
    expect(() => loadConfig({ env: { CUSTODIAN_PROFILE: 'foo' }, file: false })).toThrow(
      /ingest\.profile.*unknown profile; known: insurance, telecom/,
    );
    for (const bad of ['25:99', '24:00', '12:60', '1200']) {
      expect(() => loadConfig({ env: {}, file: false, overrides: { ingest: { nightlyAt: bad } } })).toThrow(
        /ingest\.nightlyAt.*time of day/,
      );
    }
    expect(
      loadConfig({ env: {}, file: false, overrides: { ingest: { nightlyAt: '7:05' } } }).ingest.nightlyAt,
    ).toBe('7:05');
  });

  it('names an unreadable explicit config file', () => {
    expect(() => loadConfig({ env: { CUSTODIAN_CONFIG: '/nonexistent/c.json' } })).toThrow(
      /\/nonexistent\/c\.json/,
    );
  });
});
