import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testKeyring } from '@custodian/core/testing';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { createEncoderPool } from '../pipeline/worker-pool.js';
import { type ParsedCsvRow, parseCsvHeader, parseCsvText, readCsvBlocks } from './csv-blocks.js';
import { detectEncoding } from './detect-encoding.js';
import { openTable } from './table-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'csv-blocks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every row of a file read in blocks of `blockBytes`, as the encoder threads see them. */
async function readInBlocks(file: string, blockBytes: number) {
  const sample = (await import('node:fs')).readFileSync(file);
  const { encoding, bomLength } = detectEncoding(sample);
  const header = parseCsvHeader(sample.subarray(bomLength), encoding);
  const rows: ParsedCsvRow[] = [];
  let blocks = 0;
  for await (const block of readCsvBlocks(file, {
    start: bomLength + header.dataStart,
    firstLine: header.dataLine,
    encoding,
    blockBytes,
    width: header.headers.length,
    delimiter: header.delimiter,
  })) {
    blocks++;
    const text = new TextDecoder(block.encoding).decode(block.bytes);
    rows.push(
      ...parseCsvText(
        text,
        block.firstLine,
        header.headers.length,
        header.headers,
        encoding,
        block.delimiter,
      ),
    );
  }
  return { headers: header.headers, rows, blocks };
}

/**
 * A CSV with every kind of quoting (embedded commas, quotes, line feeds), blank lines, LF or CRLF;
 * with the rows csv-parse reads from it and the line each starts on, counted here.
 */
function trickyCsv(n: number, eol: string) {
  const lines = ['id,name,note,phone'];
  for (let i = 1; i <= n; i++) {
    const kind = i % 7;
    const phone = `13${kind}0000${String(i).padStart(4, '0')}`;
    if (kind === 0) lines.push(`R${i},"王, 五","他说""你好""",${phone}`);
    else if (kind === 1) lines.push(`R${i},张三,"第一行${eol}第二行\n第三行",${phone}`);
    else if (kind === 2) lines.push('');
    else if (kind === 3) lines.push(`R${i},李四,"",`);
    else lines.push(`R${i},欧阳娜娜,备注${i},${phone}`);
  }
  const text = `${lines.join(eol)}${eol}`;
  const expected: ParsedCsvRow[] = [];
  const records = parse(text, { skip_empty_lines: true }) as string[][];
  let line = 1;
  for (const l of lines) {
    if (l !== '' && line > 1) expected.push({ kind: 'row', line, values: records[expected.length + 1]! });
    line += l.split('\n').length;
  }
  return { text, expected };
}

describe('CSV in blocks', () => {
  it('gives csv-parse’s rows, at the lines they start on, whatever the block size, quoted line feeds across boundaries included', async () => {
    const file = join(dir, 'tricky.csv');
    for (const [eol, blockBytes] of [
      ['\n', 16],
      ['\r\n', 100],
      ['\n', 1000],
      ['\r\n', 1 << 20],
    ] as const) {
      const { text, expected } = trickyCsv(300, eol);
      writeFileSync(file, text);
      expect(expected.length).toBeGreaterThan(250);
      expect(expected.at(-1)).toMatchObject({ values: ['R300', '欧阳娜娜', '备注300', '13600000300'] });
      const got = await readInBlocks(file, blockBytes);
      expect(got.headers).toEqual(['id', 'name', 'note', 'phone']);
      expect(got.rows).toEqual(expected);
      if (blockBytes === 100) expect(got.blocks).toBeGreaterThan(50);
      // The reader of the master data (rows parsed in-process) sees the same rows.
      const table = await openTable(file);
      const rows: unknown[] = [];
      for await (const r of table.rows) rows.push(r);
      expect(rows).toEqual(expected);
    }
  });

  it('quarantines bad rows with their line and goes on, past an unclosed quote too', async () => {
    const text = [
      'id,name,phone',
      'A1,甲,13900000001',
      'A2,乙',
      'A3,丙,13900000003,extra',
      'A4,"丁,13900000004',
      'A5,戊,13900000005',
      '',
    ].join('\n');
    const file = join(dir, 'bad.csv');
    writeFileSync(file, text);
    for (const blockBytes of [8, 1 << 20]) {
      const { rows } = await readInBlocks(file, blockBytes);
      expect(rows.map((r) => [r.kind, r.line])).toEqual([
        ['row', 2],
        ['bad', 3],
        ['bad', 4],
        ['bad', 5],
        ['row', 6],
      ]);
      expect(rows[1]).toMatchObject({ reason: 'expected 3 columns, found 2', raw: 'A2,乙' });
      expect(rows[3]).toMatchObject({
        column: 'name',
        reason: expect.stringMatching(/CSV_QUOTE_NOT_CLOSED/),
      });
    }
  });

  it('reads GB18030 (undecodable bytes quarantined with their column), UTF-16 with a BOM, and blank lines before the header', async () => {
    const gb = join(dir, 'gb.csv');
    writeFileSync(
      gb,
      Buffer.concat([
        iconv.encode('记录编号,姓名\nG1,欧阳娜娜\nG2,', 'gb18030'),
        Buffer.from([0xff]),
        iconv.encode('张\nG3,𠀀字\n', 'gb18030'),
      ]),
    );
    for (const blockBytes of [5, 1 << 20]) {
      const { headers, rows } = await readInBlocks(gb, blockBytes);
      expect(headers).toEqual(['记录编号', '姓名']);
      expect(rows).toEqual([
        { kind: 'row', line: 2, values: ['G1', '欧阳娜娜'] },
        expect.objectContaining({
          kind: 'bad',
          line: 3,
          column: '姓名',
          reason: 'bytes that are not valid gb18030 text',
        }),
        { kind: 'row', line: 4, values: ['G3', '𠀀字'] },
      ]);
    }
    const u16 = join(dir, 'u16.csv');
    writeFileSync(
      u16,
      Buffer.concat([
        Buffer.from([0xff, 0xfe]),
        Buffer.from('\r\n\r\nid,名\r\nU1,"多\r\n行"\r\nU2,二\r\n', 'utf16le'),
      ]),
    );
    for (const blockBytes of [6, 1 << 20]) {
      const { headers, rows } = await readInBlocks(u16, blockBytes);
      expect(headers).toEqual(['id', '名']);
      expect(rows).toEqual([
        { kind: 'row', line: 4, values: ['U1', '多\r\n行'] },
        { kind: 'row', line: 6, values: ['U2', '二'] },
      ]);
    }
  });

  it('reads a tab-separated file as such (Excel’s Unicode text: UTF-16LE with a BOM, CRLF), in blocks and whole, bad rows with line and column', async () => {
    const text = [
      '记录编号\t姓名\t备注',
      'T1\t张三\t"含\t制表符"',
      'T2\t李四',
      'T3\t王五\t"多\r\n行"',
      'T4\t"赵,六"\t逗号,不分列',
      'T5\t"钱"七\t备注',
      'T6\t孙八\t',
      '',
    ].join('\r\n');
    const expected = [
      { kind: 'row', line: 2, values: ['T1', '张三', '含\t制表符'] },
      expect.objectContaining({ kind: 'bad', line: 3, column: null, reason: 'expected 3 columns, found 2' }),
      { kind: 'row', line: 4, values: ['T3', '王五', '多\r\n行'] },
      { kind: 'row', line: 6, values: ['T4', '赵,六', '逗号,不分列'] },
      expect.objectContaining({
        kind: 'bad',
        line: 7,
        column: '姓名',
        reason: expect.stringMatching(/^malformed CSV \(CSV_INVALID_CLOSING_QUOTE\)/),
      }),
      { kind: 'row', line: 8, values: ['T6', '孙八', ''] },
    ];
    const u16 = join(dir, 'unicode-text.txt');
    writeFileSync(u16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const utf8 = join(dir, 'tabs.csv');
    writeFileSync(utf8, text);
    for (const file of [u16, utf8]) {
      for (const blockBytes of [7, 1 << 20]) {
        const got = await readInBlocks(file, blockBytes);
        expect(got.headers).toEqual(['记录编号', '姓名', '备注']);
        expect(got.rows).toEqual(expected);
      }
      const table = await openTable(file);
      expect(table.info.headers).toEqual(['记录编号', '姓名', '备注']);
      const rows: unknown[] = [];
      for await (const r of table.rows) rows.push(r);
      expect(rows).toEqual(expected);
    }
  });

  it('takes the delimiter from the header line: commas unless it holds more tabs than commas, outside quotes', () => {
    const header = (line: string) => parseCsvHeader(Buffer.from(`${line}\nx\n`), 'utf-8');
    expect(header('a,b\tc,d')).toMatchObject({ delimiter: ',', headers: ['a', 'b\tc', 'd'] });
    expect(header('a\tb,c\td')).toMatchObject({ delimiter: '\t', headers: ['a', 'b,c', 'd'] });
    expect(header('"a,b,c"\td')).toMatchObject({ delimiter: '\t', headers: ['a,b,c', 'd'] });
    expect(header('记录编号')).toMatchObject({ delimiter: ',', headers: ['记录编号'] });
  });

  it('takes a semicolon or a pipe from the header line as it takes a tab, outside quotes', () => {
    const header = (line: string) => parseCsvHeader(Buffer.from(`${line}\nx\n`), 'utf-8');
    expect(header('a;b;c')).toMatchObject({ delimiter: ';', headers: ['a', 'b', 'c'] });
    expect(header('a|b|c')).toMatchObject({ delimiter: '|', headers: ['a', 'b', 'c'] });
    // A name holding another of them stays whole: the delimiter outnumbers it.
    expect(header('a;"b,c";d,e;f')).toMatchObject({ delimiter: ';', headers: ['a', 'b,c', 'd,e', 'f'] });
    expect(header('a|b;c|"d|e"|f')).toMatchObject({ delimiter: '|', headers: ['a', 'b;c', 'd|e', 'f'] });
    expect(header('a,b;c,d|e')).toMatchObject({ delimiter: ',', headers: ['a', 'b;c', 'd|e'] });
    // Quoted whole: one cell, read as CSV (header-map.ts says why it has no record_id).
    expect(header('"a;b;c"')).toMatchObject({ delimiter: ',', headers: ['a;b;c'] });
  });

  it('reads semicolon- and pipe-separated files as the comma file, values holding the other separators whole, in blocks and whole', async () => {
    const rows = [
      ['记录编号', '姓名', '备注', '电话'],
      ['S1', '张三', '含,逗号;分号|竖线\t制表符', '13912345678'],
      ['S2', '"王""五"', '第一行\n第二行;|,', '13912345679'],
      ['S3', '李四', '', ''],
      ['S4', '赵六'],
      ['S5', '"钱"七', '备注', '1'],
      ['S6', '孙八', '普通', '13912345670'],
    ];
    const cell = (v: string) =>
      v.startsWith('"') || !/[",;|\t\r\n]/.test(v) ? v : `"${v.replaceAll('"', '""')}"`;
    const expected = [
      { kind: 'row', line: 2, values: ['S1', '张三', '含,逗号;分号|竖线\t制表符', '13912345678'] },
      { kind: 'row', line: 3, values: ['S2', '王"五', '第一行\n第二行;|,', '13912345679'] },
      { kind: 'row', line: 5, values: ['S3', '李四', '', ''] },
      expect.objectContaining({ kind: 'bad', line: 6, column: null, reason: 'expected 4 columns, found 2' }),
      expect.objectContaining({
        kind: 'bad',
        line: 7,
        column: '姓名',
        reason: expect.stringMatching(/^malformed CSV \(CSV_INVALID_CLOSING_QUOTE\)/),
      }),
      { kind: 'row', line: 8, values: ['S6', '孙八', '普通', '13912345670'] },
    ];
    for (const d of [',', ';', '|']) {
      const text = `${rows.map((r) => r.map((v) => cell(v)).join(d)).join('\r\n')}\r\n`;
      for (const [name, bytes] of [
        ['utf8', Buffer.from(text)],
        ['gb18030', iconv.encode(text, 'gb18030')],
      ] as const) {
        const file = join(dir, `sep-${name}-${d === '|' ? 'pipe' : d === ';' ? 'semi' : 'comma'}.csv`);
        writeFileSync(file, bytes);
        for (const blockBytes of [5, 1 << 20]) {
          const got = await readInBlocks(file, blockBytes);
          expect(got.headers).toEqual(['记录编号', '姓名', '备注', '电话']);
          expect(got.rows).toEqual(expected);
        }
        const table = await openTable(file);
        const read: unknown[] = [];
        for await (const r of table.rows) read.push(r);
        expect(read).toEqual(expected);
      }
    }
  });

  it('splits GB18030 pipe-separated text in blocks where a character’s second byte is a pipe (0x7C)', async () => {
    // Characters whose GB18030 bytes end with 0x7C, found here rather than trusted to a list.
    const pipeChars: string[] = [];
    for (let c = 0x4e00; c < 0x9fa5 && pipeChars.length < 6; c++) {
      const ch = String.fromCharCode(c);
      const b = iconv.encode(ch, 'gb18030');
      if (b.length === 2 && b[1] === 0x7c) pipeChars.push(ch);
    }
    expect(pipeChars).toHaveLength(6);
    const w = pipeChars.join('');
    const lines = ['id|名|备注'];
    for (let i = 1; i <= 40; i++)
      lines.push(
        i % 3 === 0 ? `P${i}|${w}|"${w}\n${w}|${w}"` : i % 3 === 1 ? `P${i}|${w}|${w}` : `P${i}|"${w}"|x`,
      );
    const file = join(dir, 'gb-pipes.txt');
    writeFileSync(file, iconv.encode(`${lines.join('\n')}\n`, 'gb18030'));
    const want: ParsedCsvRow[] = [];
    let line = 2;
    for (let i = 1; i <= 40; i++) {
      const values =
        i % 3 === 0 ? [`P${i}`, w, `${w}\n${w}|${w}`] : i % 3 === 1 ? [`P${i}`, w, w] : [`P${i}`, w, 'x'];
      want.push({ kind: 'row', line, values });
      line += i % 3 === 0 ? 2 : 1;
    }
    for (const blockBytes of [3, 17, 1 << 20]) {
      const got = await readInBlocks(file, blockBytes);
      expect(got.headers).toEqual(['id', '名', '备注']);
      expect(got.rows).toEqual(want);
    }
  });

  it('refuses a file whose lines end with a bare carriage return, saying so', () => {
    expect(() => parseCsvHeader(Buffer.from('id,name\rA,b\r'), 'utf-8')).toThrow(/bare carriage return/);
  });

  it('parses a tab-separated block on an encoder thread with its delimiter', async () => {
    const keyring = testKeyring();
    const opts = { profile: 'insurance', today: '2026-11-20', retentionYears: 10 };
    const job = () => ({
      block: {
        bytes: new TextEncoder().encode('W1\t王,五\t13912345678\nW2\t赵六\n'),
        encoding: 'utf-8' as const,
        firstLine: 2,
        delimiter: '\t' as const,
      },
      batchId: 1,
      fields: ['record_id', 'holder_name', 'holder_phone'],
      headers: ['record_id', 'holder_name', 'holder_phone'],
      encoding: 'utf-8',
      recordIdCol: 0,
    });
    const pool = createEncoderPool(keyring, opts, 1);
    try {
      for (const r of [
        await createEncoderPool(keyring, opts, 0).encodeCsv(job()),
        await pool.encodeCsv(job()),
      ]) {
        expect(r.rowsRead).toBe(2);
        expect(r.bad.map((b) => [b.line, b.column, b.reason])).toEqual([
          [3, null, 'expected 3 columns, found 2'],
        ]);
      }
    } finally {
      await pool.close();
    }
  });

  it('parses and encodes a block on an encoder thread as it does inline', async () => {
    const text = [
      'record_id,holder_name,holder_phone',
      'W1,王五,13912345678',
      ',无编号,13912345679',
      'W3,"赵,六"',
      '',
    ].join('\n');
    const keyring = testKeyring();
    const opts = { profile: 'insurance', today: '2026-11-20', retentionYears: 10 };
    const job = () => ({
      block: {
        bytes: new TextEncoder().encode(text.slice(text.indexOf('\n') + 1)),
        encoding: 'utf-8' as const,
        firstLine: 2,
        delimiter: ',' as const,
      },
      batchId: 1,
      fields: ['record_id', 'holder_name', 'holder_phone'],
      headers: ['record_id', 'holder_name', 'holder_phone'],
      encoding: 'utf-8',
      recordIdCol: 0,
    });
    const inline = await createEncoderPool(keyring, opts, 0).encodeCsv(job());
    const pool = createEncoderPool(keyring, opts, 1);
    try {
      const threaded = await pool.encodeCsv(job());
      for (const r of [inline, threaded]) {
        expect(r.rowsRead).toBe(3);
        expect(r.bad.map((b) => [b.line, b.column, b.reason])).toEqual([
          [3, 'record_id', 'record_id is empty: the row cannot be identified'],
          [4, null, 'expected 3 columns, found 2'],
        ]);
        expect(
          r.bad.every((b) => b.raw instanceof Uint8Array && !Buffer.from(b.raw).includes('无编号')),
        ).toBe(true);
        // Binary COPY rows: a field count, then each field's length and bytes.
        const view = new DataView(r.copy.buffer, r.copy.byteOffset, r.copy.byteLength);
        const firstFields: string[] = [];
        for (let at = 0; at < r.copy.length; ) {
          const fields = view.getInt16(at);
          at += 2;
          for (let f = 0; f < fields; f++) {
            const n = view.getInt32(at);
            if (f === 0) firstFields.push(Buffer.from(r.copy.subarray(at + 4, at + 4 + n)).toString());
            at += 4 + Math.max(0, n);
          }
        }
        expect(firstFields).toEqual(['W1']);
        expect(Buffer.from(r.copy).includes('13912345678')).toBe(false);
      }
      expect(threaded.findings).toEqual(inline.findings);
    } finally {
      await pool.close();
    }
  });
});
