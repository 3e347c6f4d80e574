import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CustodianContext, iterateFlags, openStorage, type Storage } from '@custodian/core';
import { testBackends, useTestStorage } from '@custodian/core/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { runFlagsCommand } from './commands/flags.js';
import { runIngest } from './run-ingest.js';
import { cleanRow, openTestContext, runCli, tempDir, writeCsv } from './testing/fixtures.js';

/** Five PHONE_FORMAT flags (unallocated segment 154): three of a file of 2026-11-20, two of 2026-11-23. */
async function fiveFlags(ctx: CustodianContext, dir: string): Promise<void> {
  const row = (id: string, n: number) => cleanRow(id, { holder_phone: `1541234567${n}` });
  await runIngest(ctx, {
    files: [writeCsv(dir, 'a.csv', [row('P1', 1), row('P2', 2), row('P3', 3)])],
    date: '2026-11-20',
    workers: 0,
  });
  await runIngest(ctx, {
    files: [writeCsv(dir, 'b.csv', [row('P4', 4), row('P5', 5)])],
    date: '2026-11-23',
    workers: 0,
  });
}

/** A usage error as the user sees it: exit 2, one line on stderr, no stack, nothing on stdout. */
function expectUsage(r: { code: number; stdout: string; stderr: string }, message: string | RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^error \[USAGE\]: /);
  expect(lines[0]).not.toMatch(/\bat .*:\d+:\d+/);
  if (typeof message === 'string') expect(lines[0]).toContain(message);
  else expect(lines[0]).toMatch(message);
}

for (const backend of testBackends()) {
  describe(`flags commands on ${backend.name}`, () => {
    let storage: Storage;
    let ctx: CustodianContext;
    let dir: string;
    useTestStorage(backend, (s) => {
      storage = s;
    });
    beforeEach(async () => {
      dir = tempDir();
      ctx = await openTestContext(storage, dir);
      await fiveFlags(ctx, dir);
    });
    const flags = (...argv: string[]) => runCli(runFlagsCommand, ctx, argv);
    const flagRows = () => storage.db.selectFrom('flags').selectAll().orderBy('flag_id').execute();

    it('takes ids within the database integer range only: bad usage otherwise, "does not exist" within it', async () => {
      const [first] = await flagRows();
      for (const bad of ['0x2', '1e1', 'abc', '0', '1.0', ' '])
        expectUsage(
          await flags('show', bad),
          `flags show needs a flag id: a whole number from 1 to 2147483647, got "${bad}"`,
        );
      // Ten digits in a row or more are quoted masked (echoValue): they may be a phone or an ID number.
      expectUsage(
        await flags('show', '2147483648'),
        'flags show needs a flag id: a whole number from 1 to 2147483647, got "21******48"',
      );
      expectUsage(
        await flags('show'),
        'flags show needs a flag id: a whole number from 1 to 2147483647, none given',
      );
      expectUsage(await flags('assign', '99999999999', '--to', 'x'), 'flags assign needs a flag id');
      expectUsage(
        await flags('list', '--batch', '99999999999'),
        '--batch must be a whole number (1 to 2147483647)',
      );
      const missing = await flags('show', '2147483647');
      expect(missing.code).toBe(1);
      expect(missing.stderr).toBe('error [FLAG_NOT_FOUND]: flag 2147483647 does not exist\n');
      const shown = await flags('show', String(first!.flag_id));
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain(`flag #${first!.flag_id}  PHONE_FORMAT`);
      // A batch number in range that no batch has: as a flag id no flag has.
      const noBatch = await flags('list', '--batch', '2147483647');
      expect([noBatch.code, noBatch.stdout]).toEqual([1, '']);
      expect(noBatch.stderr).toBe('error [BATCH_NOT_FOUND]: batch 2147483647 does not exist\n');
    });

    it('show labels the record fields and gives the history in Beijing time, a note on lines of its own', async () => {
      const [first] = await flagRows();
      const id = String(first!.flag_id);
      const assigned = await flags('assign', id, '--to', '个险渠道', '--note', '请核实\n客户已来电');
      expect(assigned.code, assigned.stderr).toBe(0);
      const shown = await flags('show', id);
      expect(shown.code).toBe(0);
      const lines = shown.stdout.split('\n');
      const record = lines[lines.indexOf('  records (masked):') + 1]!;
      expect(record).toMatch(
        new RegExp(
          `^ {4}${first!.record_id} {2}archive \\S+, name \\S+, ID \\S+, phone \\S+, account \\S+, address \\S+$`,
        ),
      );
      const events = await storage.db
        .selectFrom('flag_events')
        .select(['at', 'action'])
        .where('flag_id', '=', first!.flag_id)
        .orderBy('event_id')
        .execute();
      // UTC+8 all year in China: the time the reviewers read on their clocks.
      const beijing = (at: Date) =>
        new Date(new Date(at).getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
      const history = lines.slice(lines.indexOf('  history (Beijing time):') + 1).filter((l) => l !== '');
      expect(history).toEqual([
        expect.stringMatching(
          new RegExp(`^ {4}${beijing(events[0]!.at)} {2}\\S+ {2}raised {2}batch_id \\d+$`),
        ),
        `    ${beijing(events[1]!.at)}  ${ctx.config.actor}  assigned  to 个险渠道`,
        '      note: 请核实',
        '            客户已来电',
      ]);
    });

    it('never repeats an ID number or a phone typed in the wrong place: the usage message quotes it masked', async () => {
      const ID = '610425198809050918';
      const PHONE = '13812345678';
      const cases: [string[], string][] = [
        [
          ['show', ID],
          'flags show needs a flag id: a whole number from 1 to 2147483647, got "61**************18"',
        ],
        [['list', '--batch', PHONE], '--batch must be a whole number (1 to 2147483647), got "13*******78"'],
        [
          ['list', '--due-before', PHONE],
          '--due-before must be a date written YYYY-MM-DD, got "13*******78"',
        ],
        [['list', '--rule', PHONE], 'got "13*******78" (see --help)'],
        [[PHONE], 'unknown flags command "13*******78"'],
      ];
      for (const [argv, message] of cases) {
        const r = await flags(...argv);
        expectUsage(r, message);
        expect(r.stderr).not.toContain(PHONE);
        expect(r.stderr).not.toContain(ID);
      }
      // Under --json the message is the summary's too.
      const json = await flags('list', '--rule', PHONE, '--json');
      expect(json.code).toBe(2);
      expect(json.json).toMatchObject({ ok: false, error: { code: 'USAGE' } });
      expect(json.stdout + json.stderr).not.toContain(PHONE);
      expect(json.stdout).toContain('got \\"13*******78\\"');
    });

    it('export --json without --out keeps stdout pure JSON Lines and puts the summary on stderr', async () => {
      const r = await flags('export', '--json');
      expect(r.code).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(5);
      for (const l of lines) expect(JSON.parse(l)).toHaveProperty('flag_id');
      expect(JSON.parse(r.stderr.trimEnd().split('\n').at(-1)!)).toEqual({ ok: true, flags: 5, out: null });
      // With --out the summary is stdout's last line, as for every command.
      const file = join(dir, 'flags.jsonl');
      const toFile = await flags('export', '--json', '--out', file);
      expect(JSON.parse(toFile.stdout.trimEnd())).toEqual({ ok: true, flags: 5, out: file });
      expect(readFileSync(file, 'utf8').trimEnd().split('\n')).toEqual(lines);
      // A refusal, too, stays off the stream.
      const bad = await flags('export', '--json', '--limit', '0');
      expect(bad.code).toBe(2);
      expect(bad.stdout).toBe('');
      expect(JSON.parse(bad.stderr.trimEnd().split('\n').at(-1)!)).toMatchObject({
        ok: false,
        error: { code: 'USAGE' },
      });
    });

    it('export applies --offset and --limit (flag order) and refuses values that are not whole numbers', async () => {
      const ids = (stdout: string) =>
        stdout
          .trimEnd()
          .split('\n')
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { flag_id: number }).flag_id);
      const all = (await flagRows()).map((f) => f.flag_id);
      expect(ids((await flags('export')).stdout)).toEqual(all);
      expect(ids((await flags('export', '--offset', '1', '--limit', '3')).stdout)).toEqual(all.slice(1, 4));
      expect(ids((await flags('export', '--limit', '2')).stdout)).toEqual(all.slice(0, 2));
      expect(ids((await flags('export', '--offset', '4')).stdout)).toEqual(all.slice(4));
      expect(ids((await flags('export', '--offset', '9')).stdout)).toEqual([]);
      // Across pages: the offset applies once, the limit over all of them.
      const paged: number[] = [];
      for await (const f of iterateFlags(storage.db, {}, { offset: 1, limit: 3, pageSize: 2 }))
        paged.push(f.flag_id);
      expect(paged).toEqual(all.slice(1, 4));
      expectUsage(
        await flags('export', '--limit', 'abc'),
        '--limit must be a whole number (at least 1), got "abc"',
      );
      expectUsage(
        await flags('export', '--offset', '1e1'),
        '--offset must be a whole number (at least 0), got "1e1"',
      );
      expectUsage(
        await flags('list', '--limit', 'abc'),
        '--limit must be a whole number (1 to 1000), got "abc"',
      );
    });

    it('--due-before lists the flags due strictly before the day, as its name says', async () => {
      const due = [...new Set((await flagRows()).map((f) => f.due_on))].sort();
      expect(due).toHaveLength(2);
      const [early, late] = due as [string, string];
      const count = async (day: string) =>
        (JSON.parse((await flags('list', '--json', '--due-before', day)).stdout) as { total: number }).total;
      expect(await count(early)).toBe(0);
      expect(await count(late)).toBe(3);
      const dayAfter = new Date(Date.parse(`${late}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
      expect(await count(dayAfter)).toBe(5);
      // export shares the filter.
      expect((await flags('export', '--due-before', late)).stdout.trimEnd().split('\n')).toHaveLength(3);
    });

    it('trims names and refuses blank ones: --to, --assignee, --attribute, --note', async () => {
      const [a, b] = await flagRows();
      const assigned = await flags('assign', String(a!.flag_id), '--to', ' Bob ');
      expect(assigned.code).toBe(0);
      expect(assigned.stdout).toBe(`flag #${a!.flag_id} assigned to Bob\n`);
      const stored = await storage.db
        .selectFrom('flags')
        .select('assignee')
        .where('flag_id', '=', a!.flag_id)
        .executeTakeFirstOrThrow();
      expect(stored.assignee).toBe('Bob');
      for (const who of ['Bob', ' Bob ']) {
        const r = JSON.parse((await flags('list', '--json', '--assignee', who)).stdout) as {
          flags: { flag_id: number }[];
        };
        expect(r.flags.map((f) => f.flag_id)).toEqual([a!.flag_id]);
      }
      const id = String(b!.flag_id);
      expectUsage(
        await flags('assign', id, '--to', '   '),
        '--to needs a channel or person, got a blank value',
      );
      expectUsage(await flags('assign', id, '--to', ''), '--to needs a channel or person, got a blank value');
      expectUsage(await flags('assign', id), 'flags assign needs --to <channel or person>');
      expectUsage(
        await flags('list', '--assignee', ' '),
        '--assignee needs a channel or person, got a blank value',
      );
      expectUsage(
        await flags('resolve', id, '--outcome', 'false_info', '--note', 'x', '--attribute', '  '),
        '--attribute needs an agent or agency, got a blank value',
      );
      expectUsage(
        await flags('resolve', id, '--outcome', 'genuine', '--note', 'x', '--attribute', 'A001'),
        '--attribute names who provided false information: it goes with --outcome false_info',
      );
      // Nothing of the refused commands reached the flag.
      const untouched = (await flagRows()).find((f) => f.flag_id === b!.flag_id)!;
      expect([untouched.status, untouched.assignee, untouched.attributed_to]).toEqual(['open', null, null]);
      // A trimmed attribution is stored as such.
      expect(
        (await flags('resolve', id, '--outcome', 'false_info', '--note', ' 代填 ', '--attribute', ' A009 '))
          .code,
      ).toBe(0);
      const resolved = (await flagRows()).find((f) => f.flag_id === b!.flag_id)!;
      expect([resolved.status, resolved.attributed_to]).toEqual(['resolved', 'A009']);
    });

    it('refuses an option its subcommand does not read, writing nothing', async () => {
      const out = join(dir, 'x.jsonl');
      expectUsage(
        await flags('list', '--out', out, '--outcome', 'bogus'),
        'flags list does not take --out, --outcome (it takes --rule, ',
      );
      expect(existsSync(out)).toBe(false);
      const [a] = await flagRows();
      expectUsage(
        await flags('show', String(a!.flag_id), '--rule', 'DUP_PHONE'),
        'flags show does not take --rule (it takes no option)',
      );
      expectUsage(
        await flags('assign', String(a!.flag_id), '--to', 'x', '--set', 'holder_phone=1'),
        'flags assign does not take --set (it takes --to, --note)',
      );
      expect((await flagRows()).find((f) => f.flag_id === a!.flag_id)!.assignee).toBeNull();
      // The common options go with every subcommand.
      expect((await flags('list', '--json', '--actor', 'x')).code).toBe(0);
    });

    it('exits 2, changing nothing, when a required argument is missing or blank', async () => {
      const [a, b] = await flagRows();
      const id = String(a!.flag_id);
      expectUsage(
        await flags('resolve', id, '--outcome', 'genuine'),
        'flags resolve needs --note <text> saying why',
      );
      expectUsage(
        await flags('resolve', id, '--outcome', 'genuine', '--note', '  '),
        '--note needs a text, got a blank value',
      );
      expectUsage(
        await flags('resolve', id, '--outcome', 'corrected', '--note', 'fixed'),
        '--outcome corrected needs the corrected values: --set field=value',
      );
      expectUsage(
        await flags('resolve', id, '--outcome', 'corrected', '--note', 'fixed', '--set', ' =x'),
        'set number 1 has no field name',
      );
      expectUsage(await flags('resolve', id, '--note', 'x'), 'flags resolve needs --outcome');
      expect((await flagRows()).find((f) => f.flag_id === a!.flag_id)!.status).toBe('open');
      // send-back needs a resolved flag to mean anything, but the missing note is refused first.
      await flags('resolve', String(b!.flag_id), '--outcome', 'genuine', '--note', 'seen');
      expectUsage(
        await flags('send-back', String(b!.flag_id)),
        'flags send-back needs --note <text> saying why',
      );
      expectUsage(await flags('send-back', String(b!.flag_id), '--note', ' '), '--note needs a text');
      expect((await flagRows()).find((f) => f.flag_id === b!.flag_id)!.status).toBe('resolved');
    });

    it('reports an unknown option or a stray argument like any other usage error', async () => {
      const r = await flags('list', '--bogus', '1');
      expect(r).toEqual({
        code: 2,
        stdout: '',
        stderr: 'error [USAGE]: unknown option --bogus (see --help)\n',
      });
      expectUsage(await flags('list', '--limit'), '--limit needs a value');
      expectUsage(
        await flags('list', '--status', '-open'),
        /--status needs a value \(a value starting with "-" is written --status=-…\)/,
      );
      expectUsage(await flags('list', 'extra'), 'flags list takes options only, no arguments');
      expectUsage(await flags('show', '1', '2'), 'flags show takes one flag id');
    });

    // A user review: `--channel nope` printed "0 flags" with exit 0, a typo read as an empty list.
    it('says which free-text filter no flag holds, naming the values that exist; a batch none has exits 1', async () => {
      const [a] = await flagRows();
      expect((await flags('assign', String(a!.flag_id), '--to', 'Bob')).code).toBe(0);
      const typo = await flags('list', '--channel', 'nope');
      expect([typo.code, typo.stdout]).toEqual([0, '0 flags\n']);
      expect(typo.stderr).toBe('no flag has channel "nope"; channels: 个险\n');
      const two = await flags('list', '--branch', 'Shanghai', '--assignee', 'Bobb', '--status', 'all');
      expect([two.code, two.stdout]).toEqual([0, '0 flags\n']);
      expect(two.stderr).toBe(
        'no flag has branch "Shanghai"; branches: 北京分公司\nno flag has assignee "Bobb"; assignees: Bob\n',
      );
      // Values that exist, with nothing to list among them: a valid empty filter, no hint.
      const empty = await flags('list', '--channel', '个险', '--assignee', 'Bob', '--status', 'closed');
      expect([empty.code, empty.stdout, empty.stderr]).toEqual([0, '0 flags\n', '']);
      // A value typed in the wrong place is echoed masked, as in every message.
      expect((await flags('list', '--assignee', '13912345678')).stderr).toBe(
        'no flag has assignee "13*******78"; assignees: Bob\n',
      );
      // export: the hint on stderr, stdout (the flags) empty; with --json the summary after it.
      const exported = await flags('export', '--json', '--channel', 'nope');
      expect([exported.code, exported.stdout]).toEqual([0, '']);
      expect(exported.stderr.trimEnd().split('\n')).toEqual([
        'no flag has channel "nope"; channels: 个险',
        '{"ok":true,"flags":0,"out":null}',
      ]);
      const none = join(dir, 'none.jsonl');
      const written = await flags('export', '--branch', 'Shanghai', '--out', none);
      expect([written.code, written.stderr]).toEqual([
        0,
        `0 flags written to ${none}\nno flag has branch "Shanghai"; branches: 北京分公司\n`,
      ]);
      expect(readFileSync(none, 'utf8')).toBe('');
      const batch = await flags('export', '--batch', '2147483647');
      expect([batch.code, batch.stdout]).toEqual([1, '']);
      expect(batch.stderr).toBe('error [BATCH_NOT_FOUND]: batch 2147483647 does not exist\n');
      // A batch that exists, with nothing under the other filters: exit 0, no hint.
      const closed = await flags('list', '--batch', String(a!.batch_id), '--status', 'closed');
      expect([closed.code, closed.stdout, closed.stderr]).toEqual([0, '0 flags\n', '']);
    });

    it('names at most 20 values in the hint, and how many more', async () => {
      await runIngest(ctx, {
        files: [
          writeCsv(
            dir,
            'c.csv',
            Array.from({ length: 22 }, (_, i) =>
              cleanRow(`Q${i}`, { consent: '否', channel: `C${String(i).padStart(2, '0')}` }),
            ),
          ),
        ],
        date: '2026-11-24',
        workers: 0,
      });
      // 23 channels: C00-C21 and 个险 (after the Latin ones); the first 20 named.
      const named = Array.from({ length: 20 }, (_, i) => `C${String(i).padStart(2, '0')}`);
      expect((await flags('list', '--channel', 'C99')).stderr).toBe(
        `no flag has channel "C99"; channels: ${named.join(', ')}, … (3 more)\n`,
      );
    });

    it('the list footer gives the range shown and the offset of the next page', async () => {
      const footer = async (...args: string[]) =>
        (await flags('list', ...args)).stdout.trimEnd().split('\n').at(-1);
      expect(await footer()).toBe('flags 1-5 of 5');
      expect(await footer('--limit', '2')).toBe('flags 1-2 of 5; --offset 2 for more');
      expect(await footer('--limit', '2', '--offset', '2')).toBe('flags 3-4 of 5; --offset 4 for more');
      expect(await footer('--limit', '2', '--offset', '4')).toBe('flag 5 of 5');
      expect(await footer('--offset', '7')).toBe('no flags at --offset 7: 5 in all');
      expect(await footer('--status', 'closed')).toBe('0 flags');
      const page = JSON.parse(
        (await flags('list', '--json', '--limit', '2', '--offset', '2')).stdout,
      ) as Record<string, unknown>;
      expect(page).toMatchObject({ total: 5, offset: 2, next_offset: 4 });
    });
  });
}

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const masterKeys = `t1:${Buffer.alloc(32, 9).toString('base64')}`;

/**
 * The real command line with a reader that leaves at once (`| head -1` that has read its line, or
 * `| true`): the writes fail with EPIPE, and the command stops quietly instead of crashing with an
 * unhandled 'error' event and its stack.
 */
describe('flags commands piped into a reader that leaves', () => {
  const run = (dataDir: string, args: string[]) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', '--conditions=custodian-source', CLI, ...args],
        {
          env: {
            ...process.env,
            CUSTODIAN_DATA_DIR: dataDir,
            CUSTODIAN_MASTER_KEYS: masterKeys,
            DATABASE_URL: '',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      // The reader closes its end before the command writes anything.
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      child.on('exit', (code) => resolve({ code, stderr }));
    });

  it('list, show and export stop quietly with exit 0', { timeout: 180_000 }, async () => {
    const dataDir = tempDir();
    const storage = await openStorage({ dataDir });
    try {
      const ctx = await openTestContext(storage, dataDir);
      await fiveFlags(ctx, dataDir);
    } finally {
      await storage.close();
    }
    for (const args of [
      ['flags', 'list'],
      ['flags', 'show', '1'],
      // The common options may come before the command, as in `pnpm ingest --actor 王小明 flags …`.
      ['--actor', '王小明', 'flags', 'show', '1'],
    ]) {
      const r = await run(dataDir, args);
      expect({ args, ...r }).toEqual({ args, code: 0, stderr: '' });
    }
    // --json: the export's summary is on stderr, which is still read; nothing else is.
    const r = await run(dataDir, ['flags', 'export', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse(r.stderr)).toMatchObject({ ok: true, out: null });
  });
});
