import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { countUtf8Sequences, detectEncoding } from './detect-encoding.js';
import { openTable, type TableRow } from './table-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'detect-encoding-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔汤庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍申尤毕聂柴焦向柳邢岳齐沿梅莫庄辛管祝左涂谷祁时舒耿牟卜路詹关苗凌费纪靳盛童欧甄项曲成游阳裴席卫查屈鲍位覃霍翁隋植甘景薄单包司柏宁柯阮桂闵欧阳解强丛华车冉房边';
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰春梅海燕';
const CITIES = [
  '北京市朝阳区建国路',
  '上海市浦东新区世纪大道',
  '广州市天河区体育西路',
  '成都市武侯区人民南路',
];

/** Synthetic customer rows (not real people), Chinese in every row as exports have it. */
function customers(n: number): string {
  const lines = ['记录编号,投保人姓名,联系地址,手机号码'];
  for (let i = 0; i < n; i++) {
    const name = `${SURNAMES[i % SURNAMES.length]}${GIVEN[(i * 7) % GIVEN.length]}${GIVEN[(i * 13) % GIVEN.length]}`;
    lines.push(`R${i + 1},${name},${CITIES[i % CITIES.length]}${i + 1}号,139${String(i).padStart(8, '0')}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

async function readAll(file: string): Promise<{ encoding: string; rows: TableRow[] }> {
  const table = await openTable(file);
  const rows: TableRow[] = [];
  for await (const r of table.rows) rows.push(r);
  return { encoding: table.info.encoding, rows };
}

describe('encoding detection', () => {
  it('reads a UTF-8 file with one bad byte as UTF-8, quarantining only the row that holds it', async () => {
    const text = customers(400);
    // One character of row 50's name replaced by a byte that is never UTF-8.
    const at = Buffer.from(text.slice(0, text.indexOf('\r\nR50,') + 6)).length;
    const utf8 = Buffer.from(text);
    const bytes = Buffer.concat([utf8.subarray(0, at), Buffer.from([0xff]), utf8.subarray(at + 3)]);
    expect(detectEncoding(bytes).encoding).toBe('utf-8');
    const file = join(dir, 'one-bad-byte.csv');
    writeFileSync(file, bytes);
    const { encoding, rows } = await readAll(file);
    expect(encoding).toBe('utf-8');
    expect(rows).toHaveLength(400);
    expect(rows.filter((r) => r.kind === 'bad')).toEqual([
      expect.objectContaining({
        line: 51,
        column: '投保人姓名',
        reason: 'bytes that are not valid utf-8 text',
      }),
    ]);
  });

  it('still reads GBK and GB18030 files as GB18030, with Chinese in every row or only here and there', async () => {
    const full = customers(400);
    const sparse = `${['id,name,phone', 'A1,张三,13900000001', ...Array.from({ length: 300 }, (_, i) => `A${i + 2},x${i},139${String(i).padStart(8, '0')}`)].join('\n')}\n`;
    for (const [name, text, enc] of [
      ['gbk-full.csv', full, 'gbk'],
      ['gb18030-full.csv', `${full}R401,𠀀字,北京市,13900000000\r\n`, 'gb18030'],
      ['gbk-sparse.csv', sparse, 'gbk'],
    ] as const) {
      const bytes = iconv.encode(text, enc);
      expect(detectEncoding(bytes).encoding, name).toBe('gb18030');
      const file = join(dir, name);
      writeFileSync(file, bytes);
      const { rows } = await readAll(file);
      expect(rows.every((r) => r.kind === 'row')).toBe(true);
      expect(rows[0]).toMatchObject({ kind: 'row', line: 2 });
      expect((rows[0] as { values: string[] }).values.join(',')).toBe(text.split(/\r?\n/)[1]);
    }
  });

  it('counts invalid UTF-8 exactly where the strict decoder refuses', () => {
    // A seeded generator: bytes biased to the lead and continuation ranges, where the rules are.
    let seed = 99;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pool = [
      0x41, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf4, 0xf5,
      0xff,
    ];
    for (let round = 0; round < 5000; round++) {
      const bytes = Uint8Array.from({ length: 1 + rand(6) }, () => pool[rand(pool.length)]!);
      let strict = true;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
      } catch {
        strict = false;
      }
      expect(countUtf8Sequences(bytes).invalid === 0, Buffer.from(bytes).toString('hex')).toBe(strict);
    }
  });

  it('keeps BOMs deciding, and strict UTF-8 as UTF-8', () => {
    expect(detectEncoding(Buffer.from('\uFEFF记录编号\n', 'utf8'))).toEqual({
      encoding: 'utf-8',
      bomLength: 3,
    });
    expect(detectEncoding(Buffer.from([0xff, 0xfe, 0x41, 0x00]))).toEqual({
      encoding: 'utf-16le',
      bomLength: 2,
    });
    expect(detectEncoding(Buffer.from('id,名\nA,欧阳娜娜\n'))).toEqual({ encoding: 'utf-8', bomLength: 0 });
    // A character cut by the end of the sample is not an error.
    expect(detectEncoding(Buffer.from('id,名\nA,欧阳').subarray(0, -1)).encoding).toBe('utf-8');
  });
});
