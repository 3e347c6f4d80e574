import { describe, expect, it } from 'vitest';
import { describeDuplicates, describeMissingColumn, mapHeaders, takeFirstNonEmpty } from './header-map.js';

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
    const message = describeMissingColumn('customers', m, 'record_id');
    expect(message).toBe(
      'the header line has no column recognised as record_id (accepted names: record_id, 记录编号, 流水号); of its 8 cells, recognised as header names: none',
    );
    for (const cell of data) expect(message).not.toContain(cell);
    const partial = mapHeaders('customers', ['档案编号', '姓名', '某人的名字'], { record_id: ['单号'] });
    expect(describeMissingColumn('customers', partial, 'record_id', { record_id: ['单号'] })).toBe(
      'the header line has no column recognised as record_id (accepted names: record_id, 记录编号, 流水号, 单号); of its 3 cells, recognised as header names: 档案编号, 姓名',
    );
  });
});
