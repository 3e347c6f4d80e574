import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CustodianContext, reportCliError, type Storage } from '@custodian/core';
import { testBackends, useTestStorage } from '@custodian/core/testing';
import ExcelJS from 'exceljs';
import { beforeEach, describe, expect, it } from 'vitest';
import { runQuarantineCommand } from './commands/quarantine.js';
import { runIngestCommand } from './commands/run.js';
import { runScheduleCommand } from './commands/schedule.js';
import { nightlyIngestJob } from './jobs/nightly-ingest.js';
import { runIngest } from './run-ingest.js';
import {
  agentRow,
  captureOutput,
  cleanRow,
  openTestContext,
  REQUIRED_HEADER,
  tempDir,
  writeCsv,
} from './testing/fixtures.js';

/** Rows of the wrong width only: every data row is quarantined ("expected 7 columns, found 2"). */
function writeAllBad(dir: string, name: string): string {
  const file = join(dir, name);
  writeFileSync(file, `${REQUIRED_HEADER.join(',')}\nB1,张三明\nB2,李四光\n`);
  return file;
}

for (const backend of testBackends()) {
  describe(`outcomes of a run on ${backend.name}`, () => {
    let storage: Storage;
    let ctx: CustodianContext;
    let dir: string;
    useTestStorage(backend, (s) => {
      storage = s;
    });
    beforeEach(async () => {
      dir = tempDir();
      ctx = await openTestContext(storage, dir, { ingest: { inbox: join(dir, 'inbox'), workers: 1 } });
    });
    const command = (args: string[]) => {
      const c = captureOutput();
      return runIngestCommand(ctx, [...args, '--workers', '0', '--date', '2026-11-20', '--json'], c.out).then(
        (code) => ({ code, ...c }),
      );
    };

    it('exits 4 when every row of a file was quarantined, keeping the rows; 0 when some rows were good', async () => {
      const bad = await command([writeAllBad(dir, 'all-bad.csv')]);
      expect(bad.code).toBe(4);
      const [result] = bad.results;
      expect(result).toMatchObject({
        ok: false,
        totals: { rowsRead: 2, rowsQuarantined: 2, filesFailed: 0, filesAllQuarantined: 1 },
      });
      expect(bad.said.join('\n')).toMatch(
        /all-bad\.csv: batch \d+ .*\n {2}warning: all 2 rows quarantined, none staged: nothing of the file reached the archive \(the run exits 4 if no file failed\)/,
      );
      // The warning and the totals agree: the file did not fail, it had every row quarantined.
      expect(bad.said.join('\n')).not.toMatch(/counts as failed/);
      expect(bad.said.join('\n')).toMatch(
        /0 file\(s\) failed, 1 file\(s\) with every row quarantined \(none staged\)/,
      );
      expect(bad.said.join('\n')).not.toMatch(/张|李/);
      // Nothing lost: the batch is done, the rows are in quarantine with line and reason.
      const q = await storage.db
        .selectFrom('quarantine')
        .select(['line', 'reason'])
        .orderBy('line')
        .execute();
      expect(q.map((r) => r.line)).toEqual([2, 3]);
      expect(q[0]!.reason).toMatch(/expected 7 columns, found 2/);
      const batches = await storage.db.selectFrom('batches').select('status').execute();
      expect(batches).toEqual([{ status: 'done' }]);

      const mixed = join(dir, 'mixed.csv');
      const good = cleanRow('M1');
      const cols = Object.keys(good);
      writeFileSync(mixed, `${cols.join(',')}\n${cols.map((c) => good[c]).join(',')}\nM2,张三\n`);
      const some = await command([mixed]);
      expect(some.code).toBe(0);
      expect(some.results[0]).toMatchObject({
        ok: true,
        totals: { rowsRead: 2, rowsQuarantined: 1, filesAllQuarantined: 0 },
      });
      // A failed file outranks it: exit 1.
      const both = await command([
        writeAllBad(dir, 'all-bad-2.csv'),
        writeCsv(dir, 'no-id.csv', [{ x: '1' }]),
      ]);
      expect(both.code).toBe(1);
    });

    it('recovers a batch left running by a run that stopped, in words true of a crash and of Ctrl-C alike', async () => {
      // What an aborted run (a second Ctrl-C), a kill or a crash leaves: a batch still running.
      await storage.db
        .insertInto('batches')
        .values({
          file_name: 'stopped.csv',
          file_sha256: 'f'.repeat(64),
          sheet: '',
          status: 'running',
          profile: 'insurance',
          ingested_on: '2026-11-19',
        })
        .execute();
      const r = await command([writeCsv(dir, 'next.csv', [cleanRow('S1')])]);
      expect(r.code).toBe(0);
      expect(r.notes).toContain(
        'recovered 1 batch(es) interrupted by an earlier run that stopped before it finished (a crash, a kill or Ctrl-C; archive unchanged by them)',
      );
      expect(r.notes.join('\n')).not.toMatch(/crash \(archive/);
    });

    it('reads a relative file name from the folder the command was typed in (INIT_CWD), as pnpm reports it', async () => {
      writeCsv(dir, 'typed-here.csv', [cleanRow('R-INIT-1'), cleanRow('R-INIT-2')]);
      writeCsv(dir, 'agents-here.csv', [agentRow('AG-INIT')]);
      const before = process.env.INIT_CWD;
      process.env.INIT_CWD = dir;
      try {
        // The process's own folder (the repository, where pnpm runs its scripts) has no such files.
        const r = await command(['typed-here.csv', '--agents', 'agents-here.csv']);
        expect(r.code, r.notes.join('\n')).toBe(0);
        expect(r.results[0]).toMatchObject({ ok: true, totals: { rowsRead: 2, rowsQuarantined: 0 } });
        await expect(command(['not-here.csv'])).rejects.toThrow(
          `file not found: ${join(dir, 'not-here.csv')}`,
        );
      } finally {
        if (before === undefined) delete process.env.INIT_CWD;
        else process.env.INIT_CWD = before;
      }
    });

    it('lists every quarantined row of a batch with file, line, column and reason, never its content', async () => {
      const none = captureOutput();
      expect(await runQuarantineCommand(ctx, ['--json'], none.out)).toBe(0);
      expect(none.said).toEqual(['no batch has quarantined rows']);
      // Twelve rows of the wrong width among good ones: the run prints ten and points here.
      const rows = Array.from({ length: 15 }, (_, i) => cleanRowLine(`Q${i}`));
      for (let i = 1; i <= 12; i++) rows[i] = `Q${i},张三明`;
      const file = join(dir, 'twelve-bad.csv');
      writeFileSync(file, `${REQUIRED_HEADER.join(',')}\n${rows.join('\n')}\n`);
      const run = await command([file]);
      expect(run.code).toBe(0);
      const batchId = (run.results[0] as { files: { batchId: number }[] }).files[0]!.batchId;
      expect(run.said.join('\n')).toContain(
        `… 2 more quarantined rows: pnpm ingest quarantine --batch ${batchId}`,
      );
      const all = captureOutput();
      expect(await runQuarantineCommand(ctx, ['--json'], all.out)).toBe(0);
      expect(all.said[0]).toBe(
        `batch ${batchId} (twelve-bad.csv, ingested 2026-11-20): 15 rows read, 12 kept in quarantine`,
      );
      const listed = all.said.slice(1, -1);
      expect(listed).toHaveLength(12);
      expect(listed[0]).toMatch(/^ {2}line 3: .*expected \d+ columns, found 2/);
      expect(all.said.join('\n')).not.toContain('张三明');
      expect(all.results[0]).toMatchObject({
        ok: true,
        batch: batchId,
        ingested_on: '2026-11-20',
        total: 12,
        next_offset: null,
      });
      const page = captureOutput();
      await runQuarantineCommand(
        ctx,
        ['--batch', String(batchId), '--limit', '5', '--offset', '10'],
        page.out,
      );
      expect(page.said.slice(1, -1).map((l) => l.replace(/:.*/, ''))).toEqual(['  line 13', '  line 14']);
      expect(page.said.at(-1)).toBe('rows 11-12 of 12');
      // A batch number no batch has is an error (exit 1), as a flag id no flag has, not bad usage.
      const missing = captureOutput();
      const err = await runQuarantineCommand(ctx, ['--batch', '999999'], missing.out).catch(
        (e: unknown) => e,
      );
      expect(reportCliError(err, missing.out)).toBe(1);
      expect(missing.notes).toEqual(['error [BATCH_NOT_FOUND]: batch 999999 does not exist']);
    });

    it('moves a file with every row quarantined to done/, with a warning, and schedule --once exits 4', async () => {
      const inbox = join(dir, 'inbox');
      mkdirSync(inbox, { recursive: true });
      writeAllBad(inbox, 'cust-a.csv');
      writeCsv(inbox, 'cust-b.csv', [cleanRow('S1')]);
      const { out, notes, results } = captureOutput();
      const code = await runScheduleCommand(ctx, ['--once', '--json'], out);
      expect(code).toBe(4);
      expect(results.at(-1)).toMatchObject({
        ok: false,
        status: 'done',
        summary: { totals: { filesFailed: 0, filesAllQuarantined: 1 } },
      });
      expect(notes.join('\n')).toMatch(
        /cust-a\.csv: batch \d+ \(utf-8\), 2 rows, 2 quarantined, .*\n.* {2}warning: all 2 rows quarantined, none staged; moved to done\//,
      );
      expect(
        readdirSync(join(inbox, 'done'))
          .map((n) => n.replace(/^\d+T\d+_/, ''))
          .sort(),
      ).toEqual(['cust-a.csv', 'cust-b.csv']);
      expect(existsSync(join(inbox, 'failed'))).toBe(false);
      const q = await storage.db.selectFrom('quarantine').select('file_name').execute();
      expect(q).toEqual([{ file_name: 'cust-a.csv' }, { file_name: 'cust-a.csv' }]);
    });

    it('schedule logs per file the rows read, the quarantined rows and the flags, and names the files it leaves', async () => {
      const inbox = join(dir, 'inbox');
      mkdirSync(join(inbox, 'old'), { recursive: true });
      // One good row, one with a phone that is not one (a flag), one of the wrong width (quarantined).
      const good = cleanRow('L1');
      const cols = Object.keys(good);
      const badPhone = cleanRow('L2', { holder_phone: '123' });
      writeFileSync(
        join(inbox, 'brokenquote.csv'),
        `${cols.join(',')}\n${cols.map((c) => good[c]).join(',')}\n${cols.map((c) => badPhone[c]).join(',')}\nL3,张三\n`,
      );
      writeFileSync(join(inbox, 'customers.numbers'), 'not read');
      writeFileSync(join(inbox, 'readme.md'), '# drop files here\n');
      const { out, notes, results } = captureOutput();
      expect(await runScheduleCommand(ctx, ['--once', '--json'], out)).toBe(0);
      const log = notes.join('\n');
      const result = results.at(-1) as { summary: { files: { flagsRaised: number }[] }; left: unknown[] };
      const raised = result.summary.files[0]!.flagsRaised;
      expect(raised).toBeGreaterThan(0);
      expect(log).toMatch(
        new RegExp(
          `brokenquote\\.csv: batch \\d+ \\(utf-8\\), 3 rows, 1 quarantined, .*; ${raised} flags raised`,
        ),
      );
      expect(log).toMatch(/ {2}quarantined: brokenquote\.csv line 4: /);
      expect(log).toMatch(/ {2}findings: .*PHONE_FORMAT 1/);
      expect(log).toMatch(
        new RegExp(
          `: done, 1 file\\(s\\) moved, 3 left in the inbox; 3 rows, 1 quarantined, ${raised} flags raised`,
        ),
      );
      expect(log).toContain(
        '3 file(s) left in the inbox, not taken: ' +
          'customers.numbers (not a CSV/XLSX customer file (.csv, .txt, .xlsx or .xlsm)); ' +
          'old (a folder: only files directly in the inbox are taken); ' +
          'readme.md (not a CSV/XLSX customer file (.csv, .txt, .xlsx or .xlsm))',
      );
      expect(log).not.toMatch(/empty/);
      expect(result.left).toHaveLength(3);
      expect(readdirSync(inbox).sort()).toEqual(['customers.numbers', 'done', 'old', 'readme.md']);

      // The next night only those are there: the inbox is not called empty, and the run says so.
      const lines: string[] = [];
      const r = await nightlyIngestJob.run(ctx, {
        runKey: '2026-11-22',
        workers: 0,
        log: (l) => lines.push(l),
      });
      expect(r.status).toBe('nothing-to-ingest');
      expect(lines.join('\n')).toMatch(/has no CSV\/XLSX file to ingest \(only the 3 file\(s\) left above\)/);
      expect(lines.join('\n')).not.toMatch(/empty/);
      rmSync(inbox, { recursive: true });
      mkdirSync(inbox);
      const empty = await nightlyIngestJob.run(ctx, {
        runKey: '2026-11-23',
        workers: 0,
        log: (l) => lines.push(l),
      });
      expect(empty).toMatchObject({ status: 'empty', left: [] });
    });

    it("schedule leaves Excel's lock file and hidden files in the inbox, saying why, and fails nothing", async () => {
      const inbox = join(dir, 'inbox');
      mkdirSync(inbox, { recursive: true });
      writeCsv(inbox, '客户.csv', [cleanRow('H1')]);
      // Excel's owner file while someone has 客户.xlsx open, and macOS's copy of the file's metadata.
      writeFileSync(join(inbox, '~$客户.xlsx'), Buffer.from([0x06, 0x61, 0x64, 0x6d, 0x69, 0x6e, 0x20]));
      writeFileSync(join(inbox, '._客户.csv'), Buffer.from([0x00, 0x05, 0x16, 0x07, 0x00, 0x02, 0x00, 0x00]));
      const { out, notes, results } = captureOutput();
      const code = await runScheduleCommand(ctx, ['--once', '--json'], out);
      const log = notes.join('\n');
      expect(code, log).toBe(0);
      expect(log).not.toMatch(/FAILED/);
      expect(log).toContain(
        '2 file(s) left in the inbox, not taken: ' +
          "._客户.csv (a hidden file (such as macOS's ._ copy of a file), not a customer file); " +
          "~$客户.xlsx (Excel's lock file of a workbook open in Excel, not a customer file)",
      );
      expect((results.at(-1) as { left: unknown[] }).left).toHaveLength(2);
      expect(existsSync(join(inbox, 'failed'))).toBe(false);
      expect(readdirSync(inbox).sort()).toEqual(['._客户.csv', 'done', '~$客户.xlsx']);
    });

    it('schedule refuses an inbox that is a file, and a file argument, with one line and nothing run', async () => {
      const notADir = join(dir, 'inbox-file');
      writeFileSync(notADir, '');
      const fileInbox = await openTestContext(storage, dir, { ingest: { inbox: notADir } });
      const { out, notes } = captureOutput();
      const err = await runScheduleCommand(fileInbox, ['--once'], out).catch((e: unknown) => e);
      expect(reportCliError(err, out)).toBe(1);
      expect(notes).toEqual([
        `error [INBOX_INVALID]: the inbox ${notADir} is not a directory (ingest.inbox in the configuration, or CUSTODIAN_INBOX)`,
      ]);
      // `done` made a file by mistake: refused before anything is ingested, not after.
      mkdirSync(join(dir, 'inbox'));
      writeFileSync(join(dir, 'inbox', 'done'), '');
      writeCsv(join(dir, 'inbox'), 'c.csv', [cleanRow('D1')]);
      const doneFile = await runScheduleCommand(ctx, ['--once'], out).catch((e: unknown) => e);
      expect(doneFile).toMatchObject({
        code: 'INBOX_INVALID',
        message: expect.stringMatching(/done is not a directory/),
      });
      rmSync(join(dir, 'inbox', 'done'));

      const usage = captureOutput();
      const stray = await runScheduleCommand(ctx, ['--once', '/some/dir'], usage.out).catch(
        (e: unknown) => e,
      );
      expect(reportCliError(stray, usage.out)).toBe(2);
      expect(usage.notes).toEqual([
        `error [USAGE]: schedule takes no file arguments (got "/some/dir"): it ingests the inbox ${join(dir, 'inbox')}, ` +
          'set by ingest.inbox in the configuration file or CUSTODIAN_INBOX; to ingest given files, use ingest run <file...> (see pnpm ingest --help)',
      ]);
      // A phone typed there is quoted masked (echoValue), as in every usage message.
      const phone = captureOutput();
      const strayPhone = await runScheduleCommand(ctx, ['--once', '13812345678'], phone.out).catch(
        (e: unknown) => e,
      );
      expect(reportCliError(strayPhone, phone.out)).toBe(2);
      expect(phone.notes.join('\n')).toContain('schedule takes no file arguments (got "13*******78"): ');
      expect(phone.notes.join('\n')).not.toContain('13812345678');
      expect(await storage.db.selectFrom('job_runs').selectAll().execute()).toEqual([]);
      expect(await storage.db.selectFrom('batches').selectAll().execute()).toEqual([]);
      expect(readdirSync(join(dir, 'inbox'))).toEqual(['c.csv']);
    });

    it('refuses an unknown --profile, quoting a phone given as one masked', async () => {
      const file = writeCsv(dir, 'c.csv', [cleanRow('C1')]);
      const refused = (profile: string) =>
        runIngestCommand(ctx, [file, '--profile', profile], captureOutput().out).catch((e: unknown) => e);
      expect(await refused('bank')).toMatchObject({
        code: 'USAGE',
        message: expect.stringContaining('unknown --profile "bank" (see'),
      });
      expect(await refused('13812345678')).toMatchObject({
        code: 'USAGE',
        message: expect.stringContaining('unknown --profile "13*******78" (see'),
      });
      expect(await storage.db.selectFrom('batches').selectAll().execute()).toEqual([]);
    });

    it("rejects an agent whose hired_on is not a date, naming file, line and column, and keeps the agent's date", async () => {
      await runIngest(ctx, {
        files: [],
        agentsFile: writeCsv(dir, 'agents-1.csv', [agentRow('A001'), agentRow('A002')]),
        workers: 0,
      });
      const agents = writeCsv(dir, 'agents-2.csv', [
        agentRow('A001', { hired_on: '2020-13-45', branch: '新机构' }),
        agentRow('A002', { hired_on: '', branch: '新机构' }),
        agentRow('A003', { hired_on: '2021/03/04' }),
      ]);
      const r = await command([writeCsv(dir, 'c.csv', [cleanRow('H1')]), '--agents', agents]);
      expect(r.code).toBe(0);
      expect(r.results[0]).toMatchObject({
        masterData: [{ status: 'done', loaded: 2, rejected: [{ line: 2, column: 'hired_on' }] }],
      });
      expect(r.said).toContain(
        '  rejected: agents-2.csv line 2, column hired_on: hired_on is not a date (YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD or an Excel date)',
      );
      const stored = await storage.db
        .selectFrom('agents')
        .select(['agent_id', 'hired_on', 'branch'])
        .orderBy('agent_id')
        .execute();
      expect(stored).toEqual([
        // The rejected row changed nothing; an empty date is no date (formats.md: empty means absent).
        { agent_id: 'A001', hired_on: '2020-01-01', branch: '北京分公司' },
        { agent_id: 'A002', hired_on: null, branch: '新机构' },
        { agent_id: 'A003', hired_on: '2021-03-04', branch: '北京分公司' },
      ]);
    });

    it('identifies an ingested file by SHA-256, sheet and profile: another sheet or profile is ingested', async () => {
      const wb = new ExcelJS.Workbook();
      wb.addWorksheet('北京').addRows([REQUIRED_HEADER, ['X1', '孙八', '', '', '', '13912348881', '']]);
      wb.addWorksheet('上海').addRows([REQUIRED_HEADER, ['X2', '周九', '', '', '', '13912348882', '']]);
      const xlsx = join(dir, 'two-sheets.xlsx');
      await wb.xlsx.writeFile(xlsx);
      const first = await command([xlsx, '--sheet', '北京']);
      const second = await command([xlsx, '--sheet', '上海']);
      const again = await command([xlsx, '--sheet', '北京']);
      const status = (r: typeof first) =>
        (r.results[0] as { files: { status: string; sheet?: string; message?: string }[] }).files[0]!;
      expect([first, second, again].map((r) => status(r).status)).toEqual(['done', 'done', 'skipped']);
      expect(status(first)).toMatchObject({ status: 'done', sheet: '北京' });
      expect(status(second)).toMatchObject({ status: 'done', sheet: '上海' });
      expect(status(again)).toMatchObject({
        status: 'skipped',
        message: expect.stringMatching(
          /^already ingested as batch \d+, two-sheets\.xlsx of 2026-11-20 \(same SHA-256, sheet "北京", profile insurance\): nothing done$/,
        ),
      });
      expect(again.said.join('\n')).toMatch(/two-sheets\.xlsx: skipped, already ingested .*sheet "北京"/);
      const ids = await storage.db.selectFrom('customers').select('record_id').orderBy('record_id').execute();
      expect(ids.map((c) => c.record_id)).toEqual(['X1', 'X2']);

      // A CSV has no sheet (a --sheet given is ignored for it); its profile counts. It has the
      // service_number column telecom requires, empty in its row.
      const csv = writeCsv(dir, 'p.csv', [cleanRow('P1', { service_number: '' })]);
      const insurance = await command([csv, '--sheet', '北京']);
      const telecom = await command([csv, '--profile', 'telecom']);
      const twice = await command([csv, '--profile', 'telecom']);
      expect([insurance, telecom, twice].map((r) => status(r).status)).toEqual(['done', 'done', 'skipped']);
      expect(status(insurance)).toMatchObject({ status: 'done' });
      expect(status(insurance).sheet).toBeUndefined();
      expect(status(telecom)).toMatchObject({ status: 'done' });
      expect(status(twice).message).toMatch(/\(same SHA-256, profile telecom\)/);
      // Delivered again under another name on another night: the message names the delivery it repeats.
      const resent = join(dir, 'p-resent.csv');
      copyFileSync(csv, resent);
      const c = captureOutput();
      await runIngestCommand(ctx, [resent, '--workers', '0', '--date', '2026-11-23', '--json'], c.out);
      expect(status({ ...c, code: 0 })).toMatchObject({
        status: 'skipped',
        message: expect.stringMatching(
          /^already ingested as batch \d+, p\.csv of 2026-11-20 \(same SHA-256, profile insurance\)/,
        ),
      });
      // Under telecom the same record is checked again: it lacks the service number telecom requires.
      expect(status(telecom)).toMatchObject({ recordsUpdated: 1, recordsUnchanged: 0 });
      const p1 = await storage.db
        .selectFrom('flags')
        .select(['rule', 'masked_values'])
        .where('record_id', '=', 'P1')
        .execute();
      expect(p1.map((f) => f.rule)).toContain('MISSING_REQUIRED');
      expect(JSON.stringify(p1)).toContain('service_number');
      const batches = await storage.db
        .selectFrom('batches')
        .select(['file_name', 'sheet', 'profile', 'status'])
        .orderBy('batch_id')
        .execute();
      expect(batches).toEqual([
        { file_name: 'two-sheets.xlsx', sheet: '北京', profile: 'insurance', status: 'done' },
        { file_name: 'two-sheets.xlsx', sheet: '上海', profile: 'insurance', status: 'done' },
        { file_name: 'p.csv', sheet: '', profile: 'insurance', status: 'done' },
        { file_name: 'p.csv', sheet: '', profile: 'telecom', status: 'done' },
      ]);
    });

    it('lists every file of the nightly job as it starts and ends, master data first', async () => {
      const inbox = join(dir, 'inbox');
      mkdirSync(inbox, { recursive: true });
      writeCsv(inbox, 'agents-1.csv', [agentRow('A001')]);
      writeCsv(inbox, 'cust.csv', [cleanRow('N1')]);
      const events: string[] = [];
      await nightlyIngestJob.run(ctx, {
        runKey: '2026-11-21',
        workers: 0,
        onFileStart: (f) => events.push(`start ${f.replace(/^.*\//, '')}`),
        onFileDone: (r) => events.push(`${r.status} ${r.file.replace(/^.*\//, '')}`),
      });
      expect(events).toEqual(['start agents-1.csv', 'done agents-1.csv', 'start cust.csv', 'done cust.csv']);
    });
  });
}

/** A good customer row as a CSV line, in REQUIRED_HEADER's order. */
function cleanRowLine(recordId: string): string {
  const row = cleanRow(recordId);
  return REQUIRED_HEADER.map((c) => row[c] ?? '').join(',');
}
