import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCustodianError } from '../errors.js';
import { loadConfig } from './load.js';

function configFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'custodian-config-')), 'custodian.config.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

/** The CONFIG_INVALID message of a configuration that must be refused. */
function refusal(load: () => unknown): string {
  try {
    load();
  } catch (err) {
    if (isCustodianError(err) && err.code === 'CONFIG_INVALID') return err.message;
    throw err;
  }
  throw new Error('the configuration was accepted');
}

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

  it('refuses unknown keys anywhere, naming the file, each path and the nearest known key', () => {
    const file = configFile({ ingest: { profle: 'telecom', inbx: '/tmp/x' }, dataDirr: '/tmp/y' });
    const message = refusal(() => loadConfig({ env: {}, file }));
    expect(message.split('\n')).toEqual([
      `invalid configuration (file ${file}):`,
      '  ingest.profle: unknown setting (did you mean ingest.profile?)',
      '  ingest.inbx: unknown setting (did you mean ingest.inbox?)',
      '  dataDirr: unknown setting (did you mean dataDir?)',
    ]);
    // The sections of the auditor and the console, nested objects included, and no suggestion
    // when nothing is near.
    const sections = configFile({
      auditor: { volume: { minOwnDayz: 3 } },
      console: { prot: 8081 },
      reports: { colour: 'red' },
    });
    const lines = refusal(() => loadConfig({ env: {}, file: sections })).split('\n');
    expect(lines).toContain(
      '  auditor.volume.minOwnDayz: unknown setting (did you mean auditor.volume.minOwnDays?)',
    );
    expect(lines).toContain('  console.prot: unknown setting (did you mean console.port?)');
    expect(lines).toContain('  reports.colour: unknown setting');
    // A file that is not an object has no keys to check: refused as such.
    const array = configFile('[1]');
    expect(refusal(() => loadConfig({ env: {}, file: array }))).toBe(
      `config file ${array} must hold a JSON object ({"ingest": {…}, …}), not an array`,
    );
  });

  it('accepts every documented setting of every section', () => {
    const file = configFile({
      databaseUrl: 'postgres://u@h/db',
      dataDir: '/tmp/d',
      timeZone: 'Asia/Shanghai',
      actor: 'ops',
      ingest: {
        inbox: '/tmp/in',
        nightlyAt: '02:00',
        profile: 'telecom',
        headerAliases: { phone: ['电话'] },
      },
      auditor: {
        logsDir: '/tmp/logs',
        workingHours: { start: '09:00' },
        approval: { queryRecordsOver: 50 },
        weights: { BULK_EXPORT: 2 },
      },
      reports: { outDir: '/tmp/r', morningAt: '08:00' },
      console: { port: 8081, host: '0.0.0.0', pageSize: 100, secureCookies: false },
    });
    const c = loadConfig({ env: {}, file });
    expect(c.ingest.profile).toBe('telecom');
    expect(c.auditor.approval.queryRecordsOver).toBe(50);
    expect(c.auditor.volume.minOwnDays).toBe(10);
    expect(c.console.pageSize).toBe(100);
  });

  it('names the environment variable and its value, and no file that was not read', () => {
    // The default ./custodian.config.json does not exist here: it is not read, so not named.
    const message = refusal(() => loadConfig({ env: { CUSTODIAN_WORKERS: 'abc' } }));
    expect(message).not.toMatch(/custodian\.config\.json|file/);
    expect(message).toMatch(
      /^invalid configuration:\n {2}ingest\.workers: .*\(from environment variable CUSTODIAN_WORKERS="abc"\)$/,
    );
    expect(message).not.toMatch(/NaN/);
    // With a file read whose settings are fine, the file is not blamed either.
    const good = configFile({ ingest: { inbox: '/tmp/in' } });
    expect(refusal(() => loadConfig({ env: { CUSTODIAN_CONSOLE_PORT: '70000' }, file: good }))).toMatch(
      /^invalid configuration:\n {2}console\.port: .*\(from environment variable CUSTODIAN_CONSOLE_PORT="70000"\)$/,
    );
    // A variable that may hold a password or a key is named, its value never printed.
    const secret = refusal(() => loadConfig({ env: { DATABASE_URL: 'not a url s3cret' }, file: false }));
    expect(secret).toMatch(/databaseUrl: .*\(from environment variable DATABASE_URL, value not shown\)/);
    expect(secret).not.toMatch(/s3cret/);
  });
});
