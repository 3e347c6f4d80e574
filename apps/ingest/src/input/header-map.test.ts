import { CUSTOMER_COLUMNS, CUSTOMER_COLUMNS_ZH, CUSTOMER_COLUMNS_ZH_TELECOM } from '@custodian/sample-data';
import { describe, expect, it } from 'vitest';
import {
  describeDuplicates,
  describeMissingColumns,
  mapHeaders,
  missingCustomerColumns,
  takeFirstNonEmpty,
} from './header-map.js';

describe('header mapping', () => {
  it('reports columns that map to the same field, and each row takes the first non-empty of them', () => {
    const m = mapHeaders('customers', ['记录编号', '手机号码', '姓名', '联系电话', '备注', '投保人手机号码']);
    expect(m.fields).toEqual([
      'record_id',
      'holder_phone',
      'holder_name',
      'holder_phone',
      null,
      'holder_phone',
    ]);
    expect(m.duplicates).toEqual(['holder_phone']);
    expect(m.duplicateGroups).toEqual([[1, 3, 5]]);
    expect(describeDuplicates(m)).toEqual([
      'columns 手机号码, 联系电话, 投保人手机号码 all map to holder_phone: each row takes the first non-empty of them, in that order',
    ]);
    // Whichever column of the field a consumer reads (the encoder lets the last one win), it gets
    // the first non-empty value: a later empty 联系电话 no longer hides the 手机号码.
    const rows = [
      ['R1', '13912345678', '张三', '', '', ''],
      ['R2', '', '李四', '01088886666', '', '13800000000'],
      ['R3', ' ', '王五', '', 'x', ''],
    ].map((v) => takeFirstNonEmpty(m.duplicateGroups, v));
    expect(rows.map((v) => [v[1], v[3], v[5]])).toEqual([
      ['13912345678', '13912345678', '13912345678'],
      ['01088886666', '01088886666', '01088886666'],
      ['', '', ''],
    ]);
    expect(rows[2]![4]).toBe('x');
    const single = mapHeaders('customers', ['记录编号', '手机号码']);
    expect(single.duplicates).toEqual([]);
    const values = ['R1', '139'];
    expect(takeFirstNonEmpty(single.duplicateGroups, values)).toBe(values);
  });

  it('says which column is missing without echoing the cells of a line that is not a header', () => {
    // A file without a header line: its first line is a customer's data.
    const data = [
      'S1-R000000001',
      'S1-KH000000001',
      '个人',
      '特殊客户',
      '欧阳娜娜',
      '男',
      '1954-06-24',
      '110101195406240011',
    ];
    const m = mapHeaders('customers', data);
    const message = describeMissingColumns('customers', m, ['record_id']);
    // The cause first (no header line, said from the shapes of the cells, never their values),
    // then the missing column; no advice to add header names: no name would help.
    expect(message).toBe(
      'the first line looks like a data row: the file seems to have no header line (none of its 8 cells is a known header name, ' +
        'and some have the shape of values: a record id or account number (columns 1 and 2), a date (column 7), an ID number (column 8)); ' +
        'put the header line back above the data; ' +
        'the header line has no column recognised as record_id (accepted names: record_id, 记录编号, 流水号); of its 8 cells, recognised as header names: none',
    );
    expect(message).not.toContain('headerAliases');
    for (const cell of data) expect(message).not.toContain(cell);
    const partial = mapHeaders('customers', ['档案编号', '姓名', '某人的名字'], { record_id: ['单号'] });
    expect(describeMissingColumns('customers', partial, ['record_id'], { record_id: ['单号'] })).toBe(
      'the header line has no column recognised as record_id (accepted names: record_id, 记录编号, 流水号, 单号); of its 3 cells, recognised as header names: 档案编号, 姓名; ' +
        'other header names can be accepted by adding them to ingest.headerAliases in the configuration (canonical field → list of header names)',
    );
  });

  it('says first that a header line of one cell holds semicolons or pipes (quoted whole: not read as separators)', () => {
    for (const sep of [';', '|']) {
      const m = mapHeaders('customers', [['记录编号', '姓名', '手机号码'].join(sep)]);
      expect(describeMissingColumns('customers', m, ['record_id'])).toBe(
        `the header line is one cell holding '${sep}' inside double quotes: a separator is recognised only outside quotes (save the file without quotes around the header line, or as CSV); ` +
          'the header line has no column recognised as record_id (accepted names: record_id, 记录编号, 流水号); of its 1 cells, recognised as header names: none',
      );
    }
    // Full-width commas and 、 are no separator of any reader.
    for (const sep of ['，', '、']) {
      const m = mapHeaders('customers', [['记录编号', '姓名', '手机号码'].join(sep)]);
      expect(describeMissingColumns('customers', m, ['record_id'])).toMatch(
        new RegExp(
          `^the header line is one cell holding '${sep}' between names: it is not a separator \\(comma, tab, semicolon or pipe\\); save the file separated by commas \\(CSV\\); the header line has no column recognised as record_id .*: none$`,
        ),
      );
    }
  });

  it('says first that the header line holds bytes that could not be decoded: file line, columns, encoding', () => {
    // A GBK export whose 投保人联系地址 is followed by a stray byte: 0xFF is no GB18030 text
    // (U+FFFD), 0x80 reads as '€'.
    const headers = [
      '记录编号',
      '投保人姓名',
      '性别',
      '出生日期',
      '证件号码',
      '手机号码',
      '投保人联系地址\uFFFD',
    ];
    const m = mapHeaders('customers', headers);
    const source = { line: 1, encoding: 'gb18030' };
    const message = describeMissingColumns('customers', m, ['holder_address'], {}, undefined, source);
    expect(message).toBe(
      'the header line (line 1) holds bytes that could not be decoded as gb18030 (the encoding detected for the file): ' +
        'column 7 reads "投保人联系地址\uFFFD", holder_address without them (\uFFFD marks what could not be decoded); ' +
        'correct the header line, or save the file again as UTF-8 if it is in another encoding (a header saved in another encoding than the rows: the whole file in one); ' +
        'adding names to ingest.headerAliases would not help; ' +
        'the header line has no column recognised as holder_address (accepted names: holder_address, 投保人联系地址, 联系地址, 地址); ' +
        'of its 7 cells, recognised as header names: 记录编号, 投保人姓名, 性别, 出生日期, 证件号码, 手机号码',
    );
    const euro = mapHeaders('customers', [...headers.slice(0, 6), '投保人联系地址€']);
    expect(describeMissingColumns('customers', euro, ['holder_address'], {}, undefined, source)).toContain(
      `column 7 reads "投保人联系地址\uFFFD", holder_address without them (\uFFFD marks what could not be decoded; GB18030 reads a stray byte 0x80 as '€', shown so); `,
    );
    // A '€' in a UTF-8 file is a euro sign; a NUL (UTF-16 read as 8-bit text) is never text.
    const utf8 = { line: 3, encoding: 'utf-8+BOM' };
    expect(describeMissingColumns('customers', euro, ['holder_address'], {}, undefined, utf8)).toMatch(
      /^the header line has no column/,
    );
    const nul = mapHeaders('customers', ['记录编号', '\u0000地\u0000址']);
    expect(describeMissingColumns('customers', nul, ['holder_address'], {}, undefined, utf8)).toMatch(
      /^the header line \(line 3\) holds bytes that could not be decoded as utf-8 \(named by its byte order mark\): column 2 reads "\uFFFD地\uFFFD址", holder_address without them /,
    );
    // No cell of the line names a field: only the columns are named, never what they read.
    const garbled = mapHeaders('customers', ['\uFFFD\uFFFD缂栧彿', '濮撳悕\uFFFD', 'x']);
    const said = describeMissingColumns('customers', garbled, ['record_id'], {}, undefined, source);
    expect(said).toMatch(
      /^the header line \(line 1\) holds bytes that could not be decoded as gb18030 \([^)]*\): columns 1 and 2; correct /,
    );
    for (const cell of ['缂栧彿', '濮撳悕']) expect(said).not.toContain(cell);
  });

  it('names every missing column with its accepted names, why it is required, and where names are added', () => {
    // Spelled in ways not recognised: 身份证号码 (身份证号 is), 手机号码* (a starred mandatory column).
    const headers = [
      '记录编号',
      '姓名',
      '性别',
      '出生日期',
      '身份证号码',
      '手机号码*',
      '联系地址',
      '客户备注',
    ];
    const m = mapHeaders('customers', headers, { holder_phone: ['移动电话'] });
    const message = describeMissingColumns(
      'customers',
      m,
      ['holder_id_number', 'holder_phone'],
      { holder_phone: ['移动电话'] },
      'required of a customer file under profile insurance',
    );
    expect(message).toBe(
      'the header line has no column recognised as holder_id_number (accepted names: holder_id_number, 投保人证件号码, 证件号码, 身份证号), ' +
        'nor as holder_phone (accepted names: holder_phone, 投保人手机号码, 手机号码, 联系电话, 移动电话), required of a customer file under profile insurance; ' +
        'of its 8 cells, recognised as header names: 记录编号, 姓名, 性别, 出生日期, 联系地址; ' +
        'other header names can be accepted by adding them to ingest.headerAliases in the configuration (canonical field → list of header names)',
    );
    // The cells that are not recognised (which may be data) are not repeated.
    for (const cell of ['身份证号码', '手机号码*', '客户备注']) expect(message).not.toContain(cell);
  });

  it('finds the columns a customer file lacks for its profile: never the insured, service_number for telecom', () => {
    const fields = (headers: string[]) => mapHeaders('customers', headers).fields;
    const holder = ['记录编号', '投保人姓名', '性别', '出生日期', '证件号码', '手机号码', '联系地址'];
    // The insured party is optional as a whole: none of its columns is required.
    expect(missingCustomerColumns(fields(holder), 'insurance')).toEqual([]);
    expect(missingCustomerColumns(fields(holder), 'telecom')).toEqual(['service_number']);
    expect(missingCustomerColumns(fields([...holder, '服务号码']), 'telecom')).toEqual([]);
    // Unrecognised spellings count as absent, in the profile's order; record_id comes first.
    const misspelt = ['流水号', '姓名', '性别', '出生日期', '身份证号码', '手机号码*'];
    expect(missingCustomerColumns(fields(misspelt), 'insurance')).toEqual([
      'holder_id_number',
      'holder_address',
      'holder_phone',
    ]);
    expect(missingCustomerColumns(fields(misspelt.slice(1)), 'insurance')[0]).toBe('record_id');
    // An alias from the configuration makes the column known.
    const extended = mapHeaders('customers', [...misspelt, '地址'], {
      holder_id_number: ['身份证号码'],
      holder_phone: ['手机号码*'],
    });
    expect(missingCustomerColumns(extended.fields, 'insurance')).toEqual([]);
    expect(() => missingCustomerColumns(fields(holder), 'bank')).toThrow(/unknown profile "bank"/);
  });

  it('finds every required column in the sample-data generator’s files, English and Chinese headers', () => {
    const en = mapHeaders('customers', [...CUSTOMER_COLUMNS]);
    const zh = mapHeaders(
      'customers',
      CUSTOMER_COLUMNS.map((c) => CUSTOMER_COLUMNS_ZH[c]),
    );
    for (const profile of ['insurance', 'telecom']) {
      expect(missingCustomerColumns(en.fields, profile)).toEqual([]);
      expect(missingCustomerColumns(zh.fields, profile)).toEqual([]);
    }
    // A telecom export's headers (机主姓名, 合同号, 受理日期 …) each name the column they stand for.
    const telecom = mapHeaders(
      'customers',
      CUSTOMER_COLUMNS.map((c) => CUSTOMER_COLUMNS_ZH_TELECOM[c]),
    );
    expect(telecom.fields).toEqual([...CUSTOMER_COLUMNS]);
  });
});
