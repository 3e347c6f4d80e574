import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { CustodianContext } from '@custodian/core';
import { clearTables } from '@custodian/core/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { runAuditCommand } from './commands/run.js';
import { runAudit } from './run-audit.js';
import {
  anomalyKeys,
  ev,
  LOG_FIELDS,
  type LogEvent,
  logLines,
  runCli,
  type SuiteEnv,
  writeLines,
  writeMasterData,
} from './testing/fixtures.js';

/**
 * Access logs in every form formats.md allows (JSON Lines or CSV, plain or gzip) through the real
 * `auditor run` path into the database, and malformed lines reported with file and line while the
 * rest of the file is audited. Run from commands.test.ts.
 */

// One day's events: three anomalies, two approved accesses that must raise nothing.
const before: LogEvent[] = [
  ev('10:00:00', 'A001', 'export', { archive_no: 'KH000000010', record_count: 5, terminal_id: 'T1' }),
  ev('10:05:00', 'A002', 'view', { archive_no: 'KH000000011', terminal_id: 'T2' }),
  ev('10:10:00', 'A003', 'export', { archive_no: 'KH000000012', record_count: 20, approval_id: 'E1' }),
];
const after: LogEvent[] = [
  ev('10:20:00', 'B001', 'delete', { archive_no: 'KH000000031', approval_id: 'D1' }),
  ev('10:25:00', 'B001', 'delete', { archive_no: 'KH000000032' }),
  ev('10:30:00', 'A003', 'view', { archive_no: 'KH000000013', result: 'ok' }),
];
const EXPECTED = [
  'A001|ACCESS_WITHOUT_APPROVAL|2026-11-16',
  'A002|ACCESS_AFTER_DEPARTURE|2026-11-16',
  'B001|DELETION_WITHOUT_APPROVAL|2026-11-16',
];

/** The day's log with one malformed line between the events (line 4 in JSON Lines, line 5 in CSV: the header is line 1). */
function dayLog(format: 'jsonl' | 'csv'): { lines: string[]; badLine: number; reason: RegExp } {
  if (format === 'jsonl') {
    const lines = logLines('jsonl', [...before, ...after]);
    lines.splice(3, 0, '{"ts":"2026-11-16T10:15:00+08:00","operator_id":"A001","action":"exp');
    return { lines, badLine: 4, reason: /not valid JSON/ };
  }
  const lines = logLines('csv', [...before, ...after]);
  lines.splice(4, 0, '2026-11-16T10:15:00+08:00,A001,teleport,KH000000014,1,,10.8.3.27,T1,ok');
  return { lines, badLine: 5, reason: /unknown action "teleport"/ };
}

export function describeLogInputs(env: SuiteEnv): void {
  const dir = join(env.dir, 'inputs');
  const master = writeMasterData(dir);
  // The parser thread does not touch the database: it is exercised on the first backend only.
  const thread = env.backend.name === 'pglite' ? '1' : '0';

  describe('auditor run over log files', () => {
    let ctx: CustodianContext;
    beforeEach(() => {
      ctx = env.ctx();
    });

    it.each([
      ['access-2026-11-16.jsonl', 'jsonl', false, '0'],
      ['access-2026-11-16.csv', 'csv', false, '0'],
      ['access-2026-11-16.jsonl.gz', 'jsonl', true, '0'],
      ['access-2026-11-16.csv.gz', 'csv', true, thread],
    ] as const)(
      'audits %s (%s, gzip %s, parser workers %s), reports the bad line with file and line, reads on past it',
      async (name, format, gzip, workers) => {
        await clearTables(ctx.storage);
        const { lines, badLine, reason } = dayLog(format);
        const file = writeLines(join(dir, name), lines);
        const r = await runCli(runAuditCommand, ctx, [
          '--staff',
          master.staffFile,
          '--approvals',
          master.approvalsFile,
          '--workers',
          workers,
          file,
          '--json',
        ]);
        expect(r.code, r.stderr).toBe(0);
        expect(await anomalyKeys(ctx)).toEqual(EXPECTED);
        const files = r.json!['files'] as {
          file: string;
          format: string;
          gzip: boolean;
          events: number;
          bad: number;
          badSample: { file: string; line: number; reason: string }[];
        }[];
        expect(files).toHaveLength(1);
        expect(files[0]).toMatchObject({ file, format, gzip, events: 6, bad: 1 });
        expect(files[0]!.badSample).toEqual([{ file, line: badLine, reason: expect.stringMatching(reason) }]);
        // What a person reads (on stderr under --json): the file, its counts and the bad line's number.
        expect(r.stderr).toContain(`${name}: 6 events (${format}${gzip ? ', gzip' : ''}), 1 bad line(s)`);
        expect(r.stderr).toMatch(new RegExp(`\\n  line ${badLine}: ${reason.source}`));
        expect(r.json!['anomalies']).toMatchObject({ raised: 3, suppressed: 0 });
      },
    );

    it('reads a CSV with Chinese headers, a BOM, CRLF and an extra free-text column; rejects malformed rows one by one', async () => {
      await clearTables(ctx.storage);
      const header = '操作时间,工号,操作类型,档案编号,记录数,审批编号,客户端IP,终端编号,结果,备注';
      const row = (e: LogEvent, note = '') =>
        [...LOG_FIELDS.map((f) => (e[f] === undefined ? '' : String(e[f]))), note].join(',');
      const lines = [
        header, // 1
        row(before[0]!), // 2
        // 3-4: a note spanning two lines, quoted as CSV allows: one event, read as line 3.
        row(before[1]!, '"客户来电核实，\r\n已回访"'),
        // 5: no offset in the timestamp: refused (working hours would shift with the machine's zone).
        '2026-11-16 10:12:00,A001,view,KH000000020,1,,10.8.3.27,T1,ok,',
        // 6: an unquoted comma inside a field shifts every later column: too many fields.
        '2026-11-16T10:13:00+08:00,A001,view,KH000000021,1,,10.8.3.27,T1,备用,终端,ok,',
        // 7: cut short (the archive number lost its digits): too few fields.
        '2026-11-16T10:14:00+08:00,A001,export,KH0000',
        // 8: a quote that never closes: this line only, the lines after it are read on their own.
        '2026-11-16T10:15:00+08:00,A001,view,"KH000000022,1,,10.8.3.27,T1,ok,',
        row(before[2]!), // 9
        row(after[0]!), // 10
        row(after[1]!), // 11
        '', // 12: blank, ignored
        row(after[2]!, '"引号 ""内"" 的说明"'), // 13
      ];
      const file = join(dir, 'chinese.csv');
      writeFileSync(file, `\uFEFF${lines.join('\r\n')}\r\n`);
      const s = await runAudit(ctx, {
        files: [file],
        staffFile: master.staffFile,
        approvalsFile: master.approvalsFile,
      });
      expect(await anomalyKeys(ctx)).toEqual(EXPECTED);
      const stats = s!.files[0]!;
      expect(stats).toMatchObject({ format: 'csv', gzip: false, events: 6, bad: 4 });
      expect(stats.badSample.map((b) => [b.file, b.line])).toEqual([
        [file, 5],
        [file, 6],
        [file, 7],
        [file, 8],
      ]);
      expect(stats.badSample[0]!.reason).toMatch(/offset/);
      expect(stats.badSample[1]!.reason).toMatch(/12 fields.*10/);
      expect(stats.badSample[2]!.reason).toMatch(/4 fields.*10/);
      expect(stats.badSample[3]!.reason).toMatch(/quote/);
      // The departure anomaly's evidence points at the record's first line, not at its continuation.
      const departed = await ctx.storage.db
        .selectFrom('anomalies')
        .select('evidence')
        .where('code', '=', 'ACCESS_AFTER_DEPARTURE')
        .executeTakeFirstOrThrow();
      const events = (departed.evidence as { events: { line: number; source: string }[] }).events;
      expect(events.map((e) => [basename(e.source), e.line])).toEqual([['chinese.csv', 3]]);
    });

    it('does not take a JSON Lines file for CSV because its first line is broken', async () => {
      await clearTables(ctx.storage);
      const file = writeLines(join(dir, 'first-bad.jsonl.gz'), [
        '"ts","operator_id" -- truncated export banner',
        ...logLines('jsonl', [...before, ...after]),
      ]);
      const s = await runAudit(ctx, {
        files: [file],
        staffFile: master.staffFile,
        approvalsFile: master.approvalsFile,
      });
      expect(s!.files[0]).toMatchObject({ format: 'jsonl', gzip: true, events: 6, bad: 1 });
      expect(s!.files[0]!.badSample.map((b) => b.line)).toEqual([1]);
      expect(await anomalyKeys(ctx)).toEqual(EXPECTED);
    });

    it('refuses a file it cannot read at all (truncated gzip, CSV without a header) by name, and records nothing', async () => {
      await clearTables(ctx.storage);
      const good = writeLines(join(dir, 'good.jsonl'), logLines('jsonl', before));
      const whole = gzipSync(`${logLines('jsonl', after).join('\n')}\n`);
      const truncated = join(dir, 'truncated.jsonl.gz');
      writeFileSync(truncated, whole.subarray(0, whole.length - 12));
      const headless = writeLines(join(dir, 'headless.csv'), logLines('csv', after).slice(1));
      // On the first backend the truncated file is read on the parser thread (the default): the error crosses over.
      for (const [bad, workers] of [
        [truncated, thread],
        [headless, '0'],
      ] as const) {
        const r = await runCli(runAuditCommand, ctx, [
          '--staff',
          master.staffFile,
          '--approvals',
          master.approvalsFile,
          '--workers',
          workers,
          good,
          bad,
          '--json',
        ]);
        expect(r.code).toBe(1);
        const error = r.json!['error'] as { code: string; message: string };
        expect(error.code).toBe('LOG_UNREADABLE');
        expect(error.message).toContain(basename(bad));
        // One clear line, no stack trace.
        expect(r.stderr).toMatch(new RegExp(`^error \\[LOG_UNREADABLE\\]: .*${basename(bad)}`, 'm'));
        expect(r.stderr).not.toMatch(/\n\s+at /);
        // Nothing half-done: no anomaly, neither file taken as audited.
        expect(await anomalyKeys(ctx)).toEqual([]);
        expect(await ctx.storage.db.selectFrom('audited_inputs').selectAll().execute()).toEqual([]);
      }
      // The whole file replaces the truncated one: both are audited.
      writeFileSync(truncated, whole);
      const s = await runAudit(ctx, { files: [good, truncated] });
      expect(s!.files.map((f) => [f.status, f.events, f.bad])).toEqual([
        ['audited', 3, 0],
        ['audited', 3, 0],
      ]);
      expect(await anomalyKeys(ctx)).toEqual(EXPECTED);
    });
  });
}
