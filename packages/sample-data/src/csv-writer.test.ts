import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CsvFileWriter, csvField, csvLine } from './csv-writer.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sample-data-csv-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('csv quoting', () => {
  it('quotes only fields that need it, doubling quotes', () => {
    expect(csvField('张三')).toBe('张三');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('说"好"')).toBe('"说""好"""');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvLine(['1', '', 'x,y'])).toBe('1,,"x,y"\n');
  });
});

describe('CsvFileWriter', () => {
  const rows = [
    ['姓名', '地址', 'note'],
    ['欧阳娜', '广东省深圳市福田区人民路1号', 'a,"b"\nc'],
    ['𠀀', '€ £ ¥', ''],
  ];

  async function write(name: string, encoding: 'utf8' | 'utf8bom' | 'gb18030', repeat = 1): Promise<Buffer> {
    const path = join(dir, name);
    const w = CsvFileWriter.open(path, encoding);
    for (let k = 0; k < repeat; k++) for (const r of rows) await w.writeRow(r);
    await w.close();
    return readFile(path);
  }

  it('writes UTF-8 that parses back to the same fields', async () => {
    const bytes = await write('u.csv', 'utf8');
    expect(bytes[0]).not.toBe(0xef);
    expect(parse(bytes.toString('utf8'))).toEqual(rows);
  });

  it('starts utf8bom files with a BOM', async () => {
    const bytes = await write('b.csv', 'utf8bom');
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(parse(bytes.toString('utf8'), { bom: true })).toEqual(rows);
  });

  it('round-trips GB18030 through TextDecoder, four-byte characters included', async () => {
    const bytes = await write('g.csv', 'gb18030', 3000);
    expect(bytes.includes(Buffer.from('欧阳娜', 'utf8'))).toBe(false);
    const text = new TextDecoder('gb18030').decode(bytes);
    expect(text).toBe(rows.map(csvLine).join('').repeat(3000));
  });

  it('keeps large outputs intact across chunk boundaries', async () => {
    const bytes = await write('big.csv', 'utf8', 20_000);
    expect(bytes.toString('utf8')).toBe(rows.map(csvLine).join('').repeat(20_000));
  });
});
