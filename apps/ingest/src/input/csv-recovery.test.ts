import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ParsedCsvRow, parseCsvHeader, parseCsvText, readCsvBlocks } from './csv-blocks.js';
import { detectEncoding } from './detect-encoding.js';
import { openTable } from './table-reader.js';

// Broken quotes (QA defects 1 and 2): a malformed row costs its own line, every line is accounted
// for once, the rows after it are read, and no reason ever quotes a field's value.

const dir = mkdtempSync(join(tmpdir(), 'csv-recovery-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEADER = 'record_id,holder_name,holder_id_number,holder_phone';
const ID = '131023198505292741';

function row(i: number): string {
  return `R${i},姓名${i},${ID.slice(0, 14)}${String(i).padStart(4, '0')},1391234${String(i).padStart(4, '0')}`;
}

async function readInBlocks(file: string, blockBytes: number) {
  const sample = readFileSync(file);
  const { encoding, bomLength } = detectEncoding(sample);
  const header = parseCsvHeader(sample.subarray(bomLength), encoding);
  const rows: ParsedCsvRow[] = [];
  const sizes: number[] = [];
  for await (const block of readCsvBlocks(file, {
    start: bomLength + header.dataStart,
    firstLine: header.dataLine,
    encoding,
    blockBytes,
    width: header.headers.length,
  })) {
    sizes.push(block.bytes.length);
    const text = new TextDecoder(block.encoding).decode(block.bytes);
    rows.push(...parseCsvText(text, block.firstLine, header.headers.length, header.headers, encoding));
  }
  return { rows, sizes };
}

/** No reason may hold a field's text: no digit run, no name, no quoted value. */
function expectNoValues(rows: ParsedCsvRow[]) {
  for (const r of rows) {
    if (r.kind !== 'bad') continue;
    expect(r.reason).not.toMatch(/\d{4,}|姓名|唐|value is|"/);
    expect(r.reason).not.toMatch(/at line \d/);
  }
}

describe('a file cut short', () => {
  const CUT =
    'the file does not end with a line break: was it cut short (an upload or export still in progress)?';

  it('says so in the reason of its last line when that line is quarantined and has no line break', async () => {
    const cases: [string, string, ParsedCsvRow | undefined][] = [
      // Cut in the middle of its last row: the row is too short.
      [
        `${HEADER}\n${row(1)}\nR2,姓名2\n${row(3)}\nR4,姓名4,1310`,
        'cut.csv',
        {
          kind: 'bad',
          line: 5,
          column: null,
          reason: `expected 4 columns, found 3; ${CUT}`,
          raw: 'R4,姓名4,1310',
        },
      ],
      // Cut inside a quoted field.
      [
        `${HEADER}\r\n${row(1)}\r\nR2,姓名2\r\n${row(3)}\r\nR4,"北京`,
        'cut-quoted.csv',
        expect.objectContaining({
          kind: 'bad',
          line: 5,
          column: 'holder_name',
          reason: expect.stringMatching(
            new RegExp(`^malformed CSV \\(CSV_QUOTE_NOT_CLOSED\\): .*; ${CUT.replace(/[()?]/g, '\\$&')}$`),
          ),
        }),
      ],
      // Ending with a line break, the last row's reason says nothing of it; without one, a whole
      // last row is a row.
      [
        `${HEADER}\n${row(1)}\nR2,姓名2\n${row(3)}\nR4,姓名4,1310\n`,
        'whole.csv',
        { kind: 'bad', line: 5, column: null, reason: 'expected 4 columns, found 3', raw: 'R4,姓名4,1310' },
      ],
      [`${HEADER}\n${row(1)}\nR2,姓名2\n${row(3)}\n${row(4)}`, 'no-final-break.csv', undefined],
    ];
    for (const [text, name, last] of cases) {
      const file = join(dir, name);
      writeFileSync(file, text);
      for (const blockBytes of [8, 1 << 20]) {
        const { rows } = await readInBlocks(file, blockBytes);
        expect(rows).toHaveLength(4);
        // Only the last line: a short row elsewhere in the file keeps its plain reason.
        expect(rows[1]).toMatchObject({ kind: 'bad', line: 3, reason: 'expected 4 columns, found 2' });
        expect(rows[3]).toEqual(last ?? { kind: 'row', line: 5, values: row(4).split(',') });
      }
      const table = await openTable(file);
      const whole: unknown[] = [];
      for await (const r of table.rows) whole.push(r);
      expect(whole[3]).toEqual(last ?? { kind: 'row', line: 5, values: row(4).split(',') });
    }
  });
});

describe('rows wider than the header', () => {
  it('drops empty cells past the header (spreadsheet exports), and quarantines extra values', () => {
    const headers = ['record_id', 'holder_name', 'consent'];
    const rows = parseCsvText('R1,张三,是,,\nR2,"李四",否,\nR3,王五,是,x\nR4,赵六\n', 2, 3, headers, 'utf-8');
    expect(rows.map((r) => (r.kind === 'row' ? r.values : r.reason))).toEqual([
      ['R1', '张三', '是'],
      ['R2', '李四', '否'],
      'expected 3 columns, found 4',
      'expected 3 columns, found 2',
    ]);
  });
});

describe('CSV with broken quotes', () => {
  it('quarantines only the line of an unclosed quote and reads the rows after it', async () => {
    const lines = [HEADER];
    for (let i = 1; i <= 10; i++) lines.push(i === 4 ? row(i).replace('姓名4', '"姓名4') : row(i));
    const file = join(dir, 'unclosed.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    for (const blockBytes of [8, 100, 1 << 20]) {
      const { rows } = await readInBlocks(file, blockBytes);
      expect(rows.map((r) => [r.kind, r.line])).toEqual(
        Array.from({ length: 10 }, (_, k) => [k === 3 ? 'bad' : 'row', k + 2]),
      );
      expect(rows[3]).toMatchObject({
        column: 'holder_name',
        reason: expect.stringMatching(/CSV_QUOTE_NOT_CLOSED/),
      });
      expect(rows[9]).toMatchObject({ values: row(10).split(',') });
      expectNoValues(rows);
    }
  });

  it('quarantines stray quotes inside fields once each, on their own lines', async () => {
    const lines = [
      HEADER,
      row(1),
      row(2),
      row(3),
      `R4,姓名4,${ID.slice(0, 14)}"2741,13912340004`,
      'R5,唐"春,110101199003070011,13912340005',
      row(6),
    ];
    const file = join(dir, 'stray.csv');
    writeFileSync(file, `${lines.join('\r\n')}\r\n`);
    for (const blockBytes of [8, 1 << 20]) {
      const { rows } = await readInBlocks(file, blockBytes);
      expect(rows.map((r) => [r.kind, r.line, r.kind === 'bad' ? r.column : null])).toEqual([
        ['row', 2, null],
        ['row', 3, null],
        ['row', 4, null],
        ['bad', 5, 'holder_id_number'],
        ['bad', 6, 'holder_name'],
        ['row', 7, null],
      ]);
      expect((rows[3] as { reason: string }).reason).toMatch(/INVALID_OPENING_QUOTE/);
      expectNoValues(rows);
    }
  });

  it('keeps multi-line quoted fields, but not one that only closes lines later in a row of the wrong width', async () => {
    const lines = [
      HEADER,
      'R1,"多\n行",1,2',
      'R2,"丁,1,2',
      'R3,戊,1,2',
      'R4,己,1,2"',
      'R5,"x""y",1,2',
      'R6,"a"b,1,2',
    ];
    const file = join(dir, 'multiline.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    for (const blockBytes of [4, 1 << 20]) {
      const { rows } = await readInBlocks(file, blockBytes);
      expect(rows.map((r) => [r.kind, r.line])).toEqual([
        ['row', 2],
        ['bad', 4],
        ['row', 5],
        ['bad', 6],
        ['row', 7],
        ['bad', 8],
      ]);
      expect(rows[0]).toMatchObject({ values: ['R1', '多\n行', '1', '2'] });
      expect(rows[4]).toMatchObject({ values: ['R5', 'x"y', '1', '2'] });
      expect((rows[5] as { reason: string }).reason).toMatch(/CSV_INVALID_CLOSING_QUOTE/);
      expectNoValues(rows);
    }
  });

  it('never lets an unclosed quote make a block run on to the end of the file', async () => {
    const lines = [HEADER, 'R0,"unclosed,1,2'];
    for (let i = 1; i <= 2000; i++) lines.push(row(i));
    const file = join(dir, 'long.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const { rows, sizes } = await readInBlocks(file, 1000);
    expect(rows).toHaveLength(2001);
    expect(rows.filter((r) => r.kind === 'bad').map((r) => r.line)).toEqual([2]);
    // A block waits at most 100 lines (of about 45 bytes here) past its size for a quote to close.
    expect(Math.max(...sizes)).toBeLessThan(1000 + 101 * 50);
  });

  it('accounts for every line once, whatever quotes are broken and whatever the block size', async () => {
    // A seeded generator: the same "random" corruptions on every run.
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 20; round++) {
      const lines = [HEADER];
      for (let i = 1; i <= 60; i++) {
        let l = rand(5) === 0 ? `R${i},"多${i}\n行",1,2` : row(i);
        if (rand(6) === 0) {
          const at = rand(l.length + 1);
          l = `${l.slice(0, at)}"${l.slice(at)}`;
        }
        lines.push(l);
      }
      const text = `${lines.join('\n')}\n`;
      const physical = text.split('\n').length - 1 - 1;
      const file = join(dir, `fuzz-${round}.csv`);
      writeFileSync(file, text);
      const whole = parseCsvText(text.slice(HEADER.length + 1), 2, 4, HEADER.split(','), 'utf-8');
      let covered = 0;
      for (const [k, r] of whole.entries()) {
        const next = whole[k + 1]?.line ?? physical + 2;
        expect(next).toBeGreaterThan(r.line);
        covered += next - r.line;
      }
      // Every physical line is the start of a row or inside a multi-line one: none is skipped.
      expect(covered + (whole[0]!.line - 2)).toBe(physical);
      expect(whole[0]!.line).toBe(2);
      expectNoValues(whole);
      for (const blockBytes of [16, 200, 1 << 20]) {
        const { rows } = await readInBlocks(file, blockBytes);
        expect(rows.map((r) => [r.kind, r.line])).toEqual(whole.map((r) => [r.kind, r.line]));
      }
    }
  });

  it('names the line and column of a broken header, and says an empty file is empty, without echoing cells', async () => {
    const broken = join(dir, 'broken-header.csv');
    writeFileSync(broken, `record_id,姓"名\n${row(1)}\n`);
    await expect(openTable(broken)).rejects.toThrow(
      /broken-header\.csv: line 1, column 2: the header line is not readable: malformed CSV \(INVALID_OPENING_QUOTE\)/,
    );
    await expect(openTable(broken)).rejects.not.toThrow(/姓/);
    const unclosed = join(dir, 'unclosed-header.csv');
    writeFileSync(unclosed, `"record_id,${row(1)}\n${row(2)}\n`);
    const err = await openTable(unclosed).catch((e: Error) => e);
    expect(String(err)).toMatch(/line 1, column 1: .*CSV_QUOTE_NOT_CLOSED/);
    expect(String(err)).not.toMatch(/\d{6,}|姓名/);
    for (const content of ['', '\n\n', '\uFEFF', '\uFEFF\r\n']) {
      const empty = join(dir, 'empty.csv');
      writeFileSync(empty, content);
      await expect(openTable(empty)).rejects.toThrow(/empty\.csv: the file is empty/);
    }
  });
});
