import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CustodianContext, Storage } from '@custodian/core';
import { testBackends, useTestStorage } from '@custodian/core/testing';
import { CUSTOMER_COLUMNS_ZH } from '@custodian/sample-data';
import { maskIdNumber } from '@custodian/validators';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { runIngestCommand } from './commands/run.js';
import { runScheduleCommand } from './commands/schedule.js';
import {
  captureOutput,
  cleanRow,
  makeId,
  openTestContext,
  type Row,
  tempDir,
  writeCsv,
} from './testing/fixtures.js';

interface FileOutcome {
  status: string;
  message?: string;
  warnings?: string[];
  rowsRead: number;
  batchId?: number;
}

/** A row's columns without `drop` (a customer file whose export left those columns out). */
function columnsWithout(row: Row, ...drop: string[]): string[] {
  return Object.keys(row).filter((c) => !drop.includes(c));
}

const HINT = 'other header names can be accepted by adding them to ingest.headerAliases in the configuration';

for (const backend of testBackends()) {
  describe(`required columns of a customer file on ${backend.name}`, () => {
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
    const command = (args: string[], on: CustodianContext = ctx) => {
      const c = captureOutput();
      return runIngestCommand(on, [...args, '--workers', '0', '--date', '2026-11-20', '--json'], c.out).then(
        (code) => {
          const files = (c.results.at(-1) as { files: FileOutcome[] }).files;
          return { code, files, ...c };
        },
      );
    };
    /** Everything a failed file must leave as it was: the archive, its flags, staging, quarantine. */
    const archiveState = async () => ({
      customers: await storage.db.selectFrom('customers').selectAll().orderBy('record_id').execute(),
      flags: await storage.db.selectFrom('flags').selectAll().orderBy('flag_id').execute(),
      staging: (
        await sql<{ n: number }>`select count(*)::int as n from staging_customers`.execute(storage.db)
      ).rows[0]!.n,
      quarantine: await storage.db.selectFrom('quarantine').selectAll().execute(),
    });

    it('fails a CSV without a required column before staging anything, and keeps the stored values', async () => {
      const first = await command([writeCsv(dir, 'night-1.csv', [cleanRow('R1'), cleanRow('R2')])]);
      expect(first.code).toBe(0);
      const before = await archiveState();
      expect(before.customers.map((c) => c.holder_address_masked)).toEqual([
        expect.stringMatching(/^北京/),
        expect.stringMatching(/^北京/),
      ]);

      // The next export lost its address column: R1 again (a new phone) and a new R3.
      const rows = [cleanRow('R1', { holder_phone: '13912340777' }), cleanRow('R3')];
      const file = writeCsv(dir, 'no-address.csv', rows, columnsWithout(rows[0]!, 'holder_address'));
      const r = await command([file]);
      expect(r.code).toBe(1);
      expect(r.files[0]).toMatchObject({ status: 'failed', rowsRead: 0 });
      const message = r.files[0]!.message!;
      const header = columnsWithout(rows[0]!, 'holder_address');
      expect(message).toBe(
        'no-address.csv: the header line has no column recognised as holder_address ' +
          '(accepted names: holder_address, 投保人联系地址, 联系地址, 地址), ' +
          'required of a customer file under profile insurance; nothing was staged; ' +
          `of its ${header.length} cells, recognised as header names: ${header.join(', ')}; ` +
          `${HINT} (canonical field → list of header names)`,
      );
      for (const text of ['13912340777', '张三明']) expect(message).not.toContain(text);
      expect(r.said).toContain(`no-address.csv: FAILED, ${message.replace('no-address.csv: ', '')}`);
      expect(r.results.at(-1)).toMatchObject({ ok: false, totals: { filesFailed: 1, rowsRead: 0 } });
      // Nothing of the file reached staging, quarantine, the archive or the flags: R1 keeps its
      // address (and its phone), no MISSING_REQUIRED was raised, R3 is not there.
      expect(await archiveState()).toEqual(before);
      const batch = await storage.db
        .selectFrom('batches')
        .select(['status', 'error'])
        .where('batch_id', '=', r.files[0]!.batchId!)
        .executeTakeFirstOrThrow();
      expect(batch).toEqual({ status: 'failed', error: message });
    });

    it('fails an XLSX whose headers are spelled in ways not recognised, until the configuration accepts them', async () => {
      const id = makeId('1985-06-07', 24);
      const newId = makeId('1985-06-07', 26);
      await command([
        writeCsv(dir, 'night-1.csv', [cleanRow('X1', { holder_id_number: id, holder_phone: '13912341111' })]),
      ]);
      const before = await archiveState();
      expect(before.customers[0]).toMatchObject({ record_id: 'X1', holder_id_masked: maskIdNumber(id) });

      const wb = new ExcelJS.Workbook();
      wb.addWorksheet('客户').addRows([
        ['记录编号', '姓名', '性别', '出生日期', '身份证号码', '手机号码*', '联系地址'],
        ['X1', '孙八', '女', '1985-06-07', newId, '13912348888', '上海市黄浦区南京东路1号'],
      ]);
      const xlsx = join(dir, 'starred.xlsx');
      await wb.xlsx.writeFile(xlsx);
      const r = await command([xlsx]);
      expect(r.code).toBe(1);
      expect(r.files[0]!.status).toBe('failed');
      const message = r.files[0]!.message!;
      expect(message).toMatch(
        /^starred\.xlsx: the header line has no column recognised as holder_id_number \(accepted names: holder_id_number, 投保人证件号码, 证件号码, 身份证号\), nor as holder_phone \(accepted names: holder_phone, 投保人手机号码, 手机号码, 联系电话\), required of a customer file under profile insurance; /,
      );
      expect(message).toContain('recognised as header names: 记录编号, 姓名, 性别, 出生日期, 联系地址;');
      expect(message).toContain(HINT);
      // No value of the row, and not the unrecognised cells either.
      for (const text of ['孙八', '13912348888', newId, '上海', '身份证号码', '手机号码*'])
        expect(message).not.toContain(text);
      expect(await archiveState()).toEqual(before);

      // With the two spellings added to ingest.headerAliases the same workbook is read.
      const extended = await openTestContext(storage, dir, {
        ingest: { headerAliases: { holder_id_number: ['身份证号码'], holder_phone: ['手机号码*'] } },
      });
      const again = await command([xlsx], extended);
      expect(again.code).toBe(0);
      expect(again.files[0]).toMatchObject({ status: 'done', recordsUpdated: 1 });
      const x1 = await storage.db
        .selectFrom('customers')
        .select(['holder_id_masked', 'holder_phone_masked'])
        .executeTakeFirstOrThrow();
      expect(x1).toEqual({ holder_id_masked: maskIdNumber(newId), holder_phone_masked: '139****8888' });
    });

    it('moves a file without a required column to failed/ in the nightly job, the others (a header-only one with a warning) to done/', async () => {
      const inbox = join(dir, 'inbox');
      mkdirSync(inbox, { recursive: true });
      const rows = [cleanRow('N1')];
      writeCsv(inbox, 'cust-a.csv', rows, columnsWithout(rows[0]!, 'holder_phone'));
      writeCsv(inbox, 'cust-b.csv', [cleanRow('N2')]);
      // A header line alone is no failure: done/, with a warning in the log.
      writeCsv(inbox, 'cust-c.csv', [], columnsWithout(cleanRow('N3')));
      const { out, notes, results } = captureOutput();
      const code = await runScheduleCommand(ctx, ['--once', '--json'], out);
      expect(code).toBe(1);
      expect(results.at(-1)).toMatchObject({ summary: { totals: { filesFailed: 1 } } });
      expect(notes.join('\n')).toMatch(
        /cust-a\.csv: FAILED, the header line has no column recognised as holder_phone \(accepted names: holder_phone, 投保人手机号码, 手机号码, 联系电话\)/,
      );
      const moved = (folder: string) =>
        existsSync(join(inbox, folder))
          ? readdirSync(join(inbox, folder)).map((n) => n.replace(/^\d+T\d+_/, ''))
          : [];
      expect(moved('failed')).toEqual(['cust-a.csv']);
      expect(moved('done').sort()).toEqual(['cust-b.csv', 'cust-c.csv']);
      expect(notes.join('\n')).toMatch(
        /cust-c\.csv: batch \d+ .*\n\[[^\]]+\] {3}warning: the file has a header line but no data rows/,
      );
      const ids = await storage.db.selectFrom('customers').select('record_id').execute();
      expect(ids).toEqual([{ record_id: 'N2' }]);
    });

    it('ingests a file without the insured columns; requires service_number under telecom only', async () => {
      // cleanRow has the holder's columns and none of the insured, nor a service number.
      const file = writeCsv(dir, 'holders.csv', [cleanRow('H1'), cleanRow('H2')]);
      expect(readFileHeader(file)).not.toMatch(/insured_|service_number/);
      const telecom = await command([file, '--profile', 'telecom']);
      expect(telecom.code).toBe(1);
      expect(telecom.files[0]!.status).toBe('failed');
      expect(telecom.files[0]!.message).toMatch(
        /^holders\.csv: the header line has no column recognised as service_number \(accepted names: service_number, 服务号码, 业务号码\), required of a customer file under profile telecom; nothing was staged; /,
      );
      expect(await storage.db.selectFrom('customers').select('record_id').execute()).toEqual([]);

      const insurance = await command([file]);
      expect(insurance.code).toBe(0);
      expect(insurance.files[0]).toMatchObject({ status: 'done', rowsRead: 2, recordsInserted: 2 });
      const missing = await storage.db
        .selectFrom('flags')
        .select('rule')
        .where('rule', '=', 'MISSING_REQUIRED')
        .execute();
      expect(missing).toEqual([]);

      // With the column there, empty in a row, telecom reads the file and flags that row alone.
      const withService = writeCsv(dir, 'lines.csv', [
        cleanRow('T1', { service_number: '13912345001' }),
        cleanRow('T2', { service_number: '' }),
      ]);
      const lines = await command([withService, '--profile', 'telecom']);
      expect(lines.code).toBe(0);
      const flags = await storage.db
        .selectFrom('flags')
        .select(['record_id', 'rule'])
        .where('rule', '=', 'MISSING_REQUIRED')
        .execute();
      expect(flags).toEqual([{ record_id: 'T2', rule: 'MISSING_REQUIRED' }]);
    });

    it('fails a file with some of the insured columns but not all; takes one with all of them', async () => {
      const insured = {
        insured_name: '李小红',
        insured_gender: '女',
        insured_birth_date: '2001-03-04',
        insured_id_number: makeId('2001-03-04', 22),
      };
      const full = writeCsv(dir, 'with-insured.csv', [cleanRow('I1', insured), cleanRow('I2')]);
      const ok = await command([full]);
      expect(ok.code).toBe(0);
      expect(ok.files[0]).toMatchObject({ status: 'done', rowsRead: 2 });
      const before = await archiveState();

      // The next export kept the insured's name and ID number but lost their gender and birth date.
      const rows = [cleanRow('I1', { ...insured, holder_phone: '13912340888' }), cleanRow('I3')];
      const header = columnsWithout(rows[0]!, 'insured_gender', 'insured_birth_date');
      const r = await command([writeCsv(dir, 'insured-part.csv', rows, header)]);
      expect(r.code).toBe(1);
      expect(r.files[0]).toMatchObject({ status: 'failed', rowsRead: 0 });
      const message = r.files[0]!.message!;
      expect(message).toMatch(
        /^insured-part\.csv: the header line has no column recognised as insured_gender \(accepted names: insured_gender, [^)]*\), nor as insured_birth_date \(accepted names: insured_birth_date, [^)]*\), required of a customer file that has insured columns \(insured_name, insured_id_number\) under profile insurance: a file carries all of them or none; nothing was staged; /,
      );
      for (const text of ['李小红', insured.insured_id_number, '13912340888'])
        expect(message).not.toContain(text);
      // Nothing staged or changed: I1 keeps its insured's gender and birth date, no MISSING_REQUIRED.
      expect(await archiveState()).toEqual(before);
    });

    it('says first what is wrong with the header line itself: undecodable bytes, no header line, an unsplit separator', async () => {
      const rows = [cleanRow('H1', { holder_name: '欧阳娜娜' }), cleanRow('H2')];
      const columns = Object.keys(rows[0]!);
      const zh = columns.map((c) => CUSTOMER_COLUMNS_ZH[c as keyof typeof CUSTOMER_COLUMNS_ZH]);
      const address = zh.indexOf('投保人联系地址');
      expect(address).toBeGreaterThan(0);
      const dataLines = rows.map((r) => columns.map((c) => r[c]).join(',')).join('\n');
      const gb = (t: string) => iconv.encode(t, 'gb18030');
      // A GBK export with a stray byte after 投保人联系地址: 0x80 (read as '€') and 0xFF (no text).
      const stray = (name: string, byte: number) => {
        const file = join(dir, name);
        writeFileSync(
          file,
          Buffer.concat([
            gb(zh.slice(0, address + 1).join(',')),
            Buffer.from([byte]),
            gb(`,${zh.slice(address + 1).join(',')}\n${dataLines}\n`),
          ]),
        );
        return file;
      };
      // A header saved in GBK above rows in UTF-8: the file is read as UTF-8, the header is not text.
      const many = Array.from({ length: 200 }, (_, i) => cleanRow(`M${i}`));
      const mixed = join(dir, 'mixed.csv');
      writeFileSync(
        mixed,
        Buffer.concat([
          gb(`${zh.join(',')}\n`),
          Buffer.from(`${many.map((r) => columns.map((c) => r[c]).join(',')).join('\n')}\n`),
        ]),
      );
      // The header row deleted: the first line is a customer.
      const noHeader = join(dir, 'no-header.csv');
      writeFileSync(noHeader, `${dataLines}\n`);
      const wb = new ExcelJS.Workbook();
      wb.addWorksheet('客户').addRows(
        rows.map((r) => columns.map((c) => (c.endsWith('_date') ? new Date(`${r[c]}T00:00:00Z`) : r[c]))),
      );
      const noHeaderXlsx = join(dir, 'no-header.xlsx');
      await wb.xlsx.writeFile(noHeaderXlsx);
      // The header line quoted whole, separated by semicolons.
      const quoted = join(dir, 'quoted.csv');
      writeFileSync(
        quoted,
        `"${zh.join(';')}"\n${rows.map((r) => columns.map((c) => r[c]).join(';')).join('\n')}\n`,
      );

      const r = await command([
        stray('stray-80.csv', 0x80),
        stray('stray-ff.csv', 0xff),
        mixed,
        noHeader,
        noHeaderXlsx,
        quoted,
      ]);
      expect(r.code).toBe(1);
      expect(r.files.map((f) => f.status)).toEqual(Array(6).fill('failed'));
      const [s80, sff, mix, none, noneXlsx, quote] = r.files.map((f) => f.message!);
      for (const [message, name] of [
        [s80, 'stray-80.csv'],
        [sff, 'stray-ff.csv'],
      ] as const)
        expect(message).toMatch(
          new RegExp(
            `^${escapeRegExp(name)}: the header line \\(line 1\\) holds bytes that could not be decoded as gb18030 \\(the encoding detected for the file\\): ` +
              `column ${address + 1} reads "投保人联系地址\uFFFD", holder_address without them \\(\uFFFD marks what could not be decoded[^)]*\\); ` +
              '.*; adding names to ingest\\.headerAliases would not help; the header line has no column recognised as holder_address ',
          ),
        );
      expect(s80).toContain("GB18030 reads a stray byte 0x80 as '€'");
      expect(mix).toMatch(
        /^mixed\.csv: the header line \(line 1\) holds bytes that could not be decoded as utf-8 \(the encoding detected for the file\): every one of its 14 cells; correct the header line, or save the file again as UTF-8 .*; adding names to ingest\.headerAliases would not help; the header line has no column recognised as record_id /,
      );
      expect(none).toMatch(
        /^no-header\.csv: the first line looks like a data row: the file seems to have no header line \(none of its 14 cells is a known header name, and some have the shape of values: .*an ID number \(column 6\), a phone number \(column 7\).*\); put the header line back above the data; the header line has no column recognised as record_id /,
      );
      expect(noneXlsx).toMatch(
        /^no-header\.xlsx: the first line looks like a data row: the file seems to have no header line \(.*a date \(columns 5 and 13\)/,
      );
      expect(quote).toMatch(
        /^quoted\.csv: the header line is one cell holding ';' inside double quotes: .*; the header line has no column recognised as record_id /,
      );
      const batches = await storage.db.selectFrom('batches').select(['error']).execute();
      for (const text of [...r.files.map((f) => f.message!), r.said.join('\n'), JSON.stringify(batches)]) {
        expect(text).not.toContain(HINT);
        // No value of the rows: names, ID numbers, phones, addresses, record ids.
        for (const v of ['欧阳', '张三明', '北京市', 'H1', 'A-H1']) expect(text).not.toContain(v);
        expect(text).not.toMatch(/\d{8}/);
      }
      expect(await storage.db.selectFrom('customers').select('record_id').execute()).toEqual([]);
    });

    it('warns of a customer file with a header line and no data row, in the text and the JSON, exit 0', async () => {
      const csv = writeCsv(dir, 'header-only.csv', [], columnsWithout(cleanRow('E1')));
      const wb = new ExcelJS.Workbook();
      wb.addWorksheet('客户').addRow(columnsWithout(cleanRow('E2')));
      const xlsx = join(dir, 'header-only.xlsx');
      await wb.xlsx.writeFile(xlsx);
      const good = writeCsv(dir, 'good.csv', [cleanRow('G1')]);
      const r = await command([csv, xlsx, good]);
      expect(r.code).toBe(0);
      const warning =
        'the file has a header line but no data rows: nothing was ingested (is the export complete?)';
      expect(r.files.map((f) => [f.status, f.rowsRead, f.warnings])).toEqual([
        ['done', 0, [warning]],
        ['done', 0, [warning]],
        ['done', 1, undefined],
      ]);
      const text = r.said.join('\n');
      expect(text).toMatch(
        new RegExp(`header-only\\.csv: batch \\d+ .*\\n {2}warning: ${escapeRegExp(warning)}`),
      );
      expect(text).toMatch(
        new RegExp(`header-only\\.xlsx: batch \\d+ .*\\n {2}warning: ${escapeRegExp(warning)}`),
      );
      expect(text).not.toMatch(/good\.csv: batch \d+ .*\n {2}warning/);
      expect(r.results.at(-1)).toMatchObject({
        ok: true,
        totals: { filesFailed: 0, filesAllQuarantined: 0 },
      });
    });
  });
}

function readFileHeader(file: string): string {
  return readFileSync(file, 'utf8').split('\n')[0]!;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
