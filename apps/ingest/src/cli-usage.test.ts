import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from './testing/fixtures.js';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));

function cli(args: string[], dataDir: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=custodian-source', CLI, ...args],
      {
        env: { ...process.env, CUSTODIAN_DATA_DIR: dataDir, DATABASE_URL: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The command line's usage errors, from the real entry: a crontab line `pnpm ingest --once` (the
 * command `schedule` forgotten) printed the help and exited 0, so cron saw a good night and nothing
 * was ingested.
 */
describe('ingest command line usage', () => {
  it('options without a command are bad usage (exit 2), before any database is opened', {
    timeout: 60_000,
  }, async () => {
    const dataDir = join(tempDir(), 'data');
    const r = await cli(['--once', '--json'], dataDir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error \[USAGE\]: no command given \(run, schedule, quarantine, flags\), only options: --once --json/,
    );
    expect(JSON.parse(r.stdout.trimEnd().split('\n').at(-1)!)).toMatchObject({
      ok: false,
      error: { code: 'USAGE' },
    });
    expect(existsSync(dataDir)).toBe(false);
  });

  it('an unknown command is named once quoted (exit 2), before any database is opened', {
    timeout: 60_000,
  }, async () => {
    const dataDir = join(tempDir(), 'data');
    const r = await cli(['shedule', '--once'], dataDir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error [USAGE]: unknown command "shedule" (see pnpm ingest --help)\n');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('no argument at all, or --help, prints the help (exit 0)', { timeout: 60_000 }, async () => {
    const dataDir = join(tempDir(), 'data');
    for (const args of [[], ['--help'], ['--config', 'x.json', '-h']]) {
      const r = await cli(args, dataDir);
      expect({ args, code: r.code }).toEqual({ args, code: 0 });
      expect(r.stdout).toMatch(/^Usage: pnpm ingest <command> \[options\]/);
    }
  });
});
