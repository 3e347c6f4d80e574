import { createHash, createHmac } from 'node:crypto';
import {
  type Finding,
  maskAddress,
  maskBankAccount,
  maskIdNumber,
  maskName,
  maskPhone,
  parseDate,
  validateRecord,
} from '@custodian/validators';
import { describe, expect, it } from 'vitest';
import { decryptJson } from '../crypto/cipher.js';
import type { Keyring } from '../crypto/keyring.js';
import { testKeyring } from '../testing/test-storage.js';
import { encodeCustomerRecord, fingerprintFinding, PERSONAL_FIELDS } from './record-codec.js';

// The encoder as first written, with createHmac and createHash on strings. What the archive
// already holds was computed this way: blind indexes and fingerprints of new rows must be byte
// for byte the same, or duplicates across old and new rows would go unseen. The row hash is the
// one departure: it takes the fields the archive stores normalised in their stored form (a
// record hashed before counts as updated once, which is harmless).
const reference = {
  present(v: string | undefined): string | undefined {
    if (v === undefined) return undefined;
    const t = v.normalize('NFKC').trim();
    return t === '' ? undefined : t;
  },
  normalizeText(value: string): string {
    return value.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
  },
  blindIndex(keyring: Keyring, kind: string, normalized: string | null | undefined): Buffer | null {
    if (normalized === null || normalized === undefined || normalized === '') return null;
    return createHmac('sha256', keyring.indexKey).update(`${kind}\0${normalized}`).digest().subarray(0, 16);
  },
  fingerprint(
    keyring: Keyring,
    recordId: string,
    f: Finding,
    record: Record<string, string | undefined>,
  ): string {
    const party = f.field?.startsWith('holder_')
      ? 'holder'
      : f.field?.startsWith('insured_')
        ? 'insured'
        : undefined;
    const values = [
      f.field ? (record[f.field] ?? '') : '',
      party ? (record[`${party}_id_number`] ?? '') : '',
    ];
    return createHmac('sha256', keyring.indexKey)
      .update(`fingerprint\0${recordId}\0${f.rule}\0${f.field ?? ''}\0${values.join('\0')}`)
      .digest('hex')
      .slice(0, 40);
  },
  contentHash(
    record: Record<string, string | undefined>,
    stored: Record<string, string | null | undefined>,
    extra: Record<string, string>,
  ): Buffer {
    // The stored form where there is one; a value that cannot be read as it was given.
    const view = { ...record };
    for (const [k, v] of Object.entries(stored)) if (v !== null && v !== undefined) view[k] = v;
    let text = '';
    for (const k of Object.keys(view).sort()) text += `${k}\0${view[k] ?? ''}\0`;
    text += '\u0001';
    for (const k of Object.keys(extra).sort()) text += `${k}\0${extra[k]}\0`;
    text += '\u0002insurance';
    return createHash('sha256').update(text).digest();
  },
  encode(keyring: Keyring, raw: Record<string, string | undefined>, extra: Record<string, string>) {
    const record: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(raw)) {
      const p = reference.present(v);
      if (p !== undefined) record[k] = k.endsWith('_id_number') ? p.replace(/x$/, 'X') : p;
    }
    const recordId = record.record_id ?? '';
    const result = validateRecord(record, { profile: 'insurance', today: '2026-01-05' });
    const n = result.normalized;
    const placeholder = result.findings.some(
      (f) => f.rule === 'PHONE_PLACEHOLDER' && f.field === 'holder_phone',
    );
    const pii: Record<string, unknown> = {};
    for (const f of PERSONAL_FIELDS) if (record[f] !== undefined) pii[f] = record[f];
    if (record.insured_id_type !== undefined) pii.insured_id_type = record.insured_id_type;
    if (Object.keys(extra).length > 0) pii.extra = extra;
    const holderId = n.holder_id_number ?? record.holder_id_number;
    const holderPhone = n.holder_phone ?? record.holder_phone;
    const bank = n.bank_account ?? record.bank_account;
    const service = n.service_number ?? record.service_number;
    const signDate = n.sign_date ?? parseDate(record.sign_date) ?? null;
    const stored = {
      sign_date: signDate,
      secrecy_level: record.secrecy_level ?? '普通',
      holder_gender: n.holder_gender,
      holder_birth_date: n.holder_birth_date,
      insured_gender: n.insured_gender,
      insured_birth_date: n.insured_birth_date,
    };
    return {
      pii: JSON.stringify(pii),
      signDate,
      indexes: [
        reference.blindIndex(
          keyring,
          'name',
          n.holder_name ?? (record.holder_name ? reference.normalizeText(record.holder_name) : null),
        ),
        reference.blindIndex(keyring, 'id', holderId),
        placeholder ? null : reference.blindIndex(keyring, 'phone', holderPhone),
        reference.blindIndex(
          keyring,
          'address',
          record.holder_address ? reference.normalizeText(record.holder_address) : null,
        ),
        reference.blindIndex(keyring, 'bank', bank),
        reference.blindIndex(keyring, 'service', service),
        reference.blindIndex(keyring, 'id', n.insured_id_number ?? record.insured_id_number),
      ],
      masks: [
        record.holder_name ? maskName(record.holder_name) : null,
        holderId ? maskIdNumber(holderId) : null,
        holderPhone ? maskPhone(holderPhone) : null,
        record.holder_address ? maskAddress(record.holder_address) : null,
        bank ? maskBankAccount(bank) : null,
        service ? maskPhone(service) : null,
      ],
      rowHash: reference.contentHash(record, stored, extra),
      findings: result.findings.map((f) => ({
        ...f,
        fingerprint: reference.fingerprint(keyring, recordId, f, record),
      })),
    };
  },
};

/** Records with the dirt customer files have: full-width forms, spaces, lower-case x, odd characters. */
function* records(
  count: number,
): Generator<{ raw: Record<string, string | undefined>; extra: Record<string, string> }> {
  let seed = 2026;
  const r = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');
  const widen = (s: string) =>
    s.replace(/[0-9A-Za-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
  const dirty = (s: string) =>
    pick([s, s, s, s, ` ${s} `, widen(s), `${s}\u3000`, s.replace(/(\d{4})/, '$1 '), s.toLowerCase(), ''])!;
  const names = [
    '张三',
    '李小明',
    '阿依古丽·买买提',
    '欧阳  娜娜',
    '𠈌明',
    'ＪＯＨＮ Smith',
    '王\t五',
    '赵六\\',
  ];
  const addresses = [
    '北京市东城区1号',
    '四川省绵阳市三台县胜利路131号17栋6单元2802室',
    '上海市 浦东新区 ２号',
    '广东省"深圳"市\n南山区',
  ];
  for (let i = 0; i < count; i++) {
    const id = `${pick(['110105', '330921', '440524', '810000', '999999'])}${pick(['1949', '1964', '2011'])}${pick(['0101', '1231', '0230'])}${digits(3)}`;
    const idWithCheck = `${id}${pick(['0', '1', '2', 'X', 'x', '5'])}`;
    const raw: Record<string, string | undefined> = {
      record_id: `R${i}`,
      archive_no: pick(['KH1', '', undefined]),
      customer_type: '个人',
      holder_name: dirty(pick(names)),
      holder_gender: pick(['男', '女', 'M', ' 女 ', '', '9']),
      holder_birth_date: pick(['1949-12-31', '1964/09/01', '２０１１－１０－０８', '', '1990-02-30']),
      holder_id_type: pick(['居民身份证', '护照', '港澳台居民居住证', '']),
      holder_id_number: dirty(idWithCheck),
      holder_phone: dirty(
        pick(['13912345678', '13800138000', '0755-6226567', '+86 139 1234 5678', `1${digits(10)}`, '12345']),
      ),
      holder_address: dirty(pick(addresses)),
      insured_name: pick([undefined, '', dirty(pick(names))]),
      insured_id_type: pick([undefined, '', '居民身份证', '护照']),
      insured_id_number: pick([undefined, '', dirty(idWithCheck)]),
      bank_account: pick(['', dirty(`622${digits(16)}`), dirty(`0406${digits(10)}`)]),
      bank_account_name: pick(['', undefined, dirty(pick(names))]),
      service_number: pick(['', `1${digits(10)}`]),
      sign_date: pick(['2025-10-19', '20251019', '2024/2/29', '', 'soon']),
      consent: pick(['是', '否', 'Y', '', '也许']),
      secrecy_level: pick(['普通', '', undefined]),
    };
    const extra: Record<string, string> = r() < 0.2 ? { 备注: dirty('见附件 A1'), zz: 'x\ty' } : {};
    yield { raw, extra };
  }
}

describe('encodeCustomerRecord', () => {
  it('stores what the encoder as first written stored: indexes, masks, row hash, findings, pii', () => {
    const keyring = testKeyring();
    const opts = { profile: 'insurance', today: '2026-01-05', retentionYears: 10 };
    let findings = 0;
    for (const { raw, extra } of records(3000)) {
      const want = reference.encode(keyring, raw, extra);
      const got = encodeCustomerRecord(keyring, raw, extra, opts);
      expect(got.columns.slice(17, 24)).toEqual(want.indexes);
      expect(got.columns.slice(24, 30)).toEqual(want.masks);
      expect(got.columns[30]).toEqual(want.rowHash);
      expect(got.columns[8]).toBe(want.signDate);
      expect(got.findings).toEqual(want.findings);
      expect(JSON.stringify(decryptJson(keyring, got.columns[16] as Buffer))).toBe(want.pii);
      findings += got.findings.length;
    }
    expect(findings).toBeGreaterThan(1000);
  });

  it('hashes the same content the same whatever the order of the fields', () => {
    const keyring = testKeyring();
    const opts = { profile: 'insurance', today: '2026-01-05', retentionYears: 10 };
    const a = { record_id: 'R1', holder_name: '张三', holder_phone: '13912345678' };
    const b = { holder_phone: '13912345678', record_id: 'R1', holder_name: '张三' };
    const hashA = encodeCustomerRecord(keyring, a, {}, opts).columns[30];
    expect(encodeCustomerRecord(keyring, b, {}, opts).columns[30]).toEqual(hashA);
    expect(encodeCustomerRecord(keyring, a, {}, opts).columns[30]).toEqual(hashA);
    expect(encodeCustomerRecord(keyring, { ...a, holder_name: '张四' }, {}, opts).columns[30]).not.toEqual(
      hashA,
    );
  });

  it('hashes a record as the archive stores it: a file row and the record rebuilt from the archive are one content', () => {
    const keyring = testKeyring();
    const opts = { profile: 'insurance', today: '2026-01-05', retentionYears: 10 };
    const hashOf = (r: Record<string, string | undefined>) =>
      encodeCustomerRecord(keyring, r, {}, opts).columns[30];
    const file = {
      record_id: 'R2',
      holder_name: '张三',
      holder_gender: '女',
      holder_birth_date: '1980/5/6',
      insured_gender: ' 男 ',
      insured_birth_date: '２０１０－０２－０２',
      sign_date: '2026/11/01',
    };
    // As a correction rebuilds it: the stored columns, another order, the default secrecy level.
    const stored = {
      secrecy_level: '普通',
      sign_date: '2026-11-01',
      insured_birth_date: '2010-02-02',
      insured_gender: 'M',
      holder_birth_date: '1980-05-06',
      holder_gender: 'F',
      holder_name: '张三',
      record_id: 'R2',
    };
    expect(hashOf(stored)).toEqual(hashOf(file));
    expect(hashOf({ ...file, secrecy_level: '普通' })).toEqual(hashOf(file));
    for (const other of [
      { secrecy_level: '秘密' },
      { holder_gender: '男' },
      { sign_date: '2026/11/02' },
      // Unreadable, stored as absent, but not the same as absent: the findings differ.
      { holder_gender: '9' },
      { sign_date: 'soon' },
    ]) {
      expect(hashOf({ ...file, ...other })).not.toEqual(hashOf(file));
    }
    expect(hashOf({ ...file, holder_gender: '9' })).not.toEqual(hashOf({ ...file, holder_gender: '' }));
  });

  it('fingerprints a finding as first written', () => {
    const keyring = testKeyring();
    const record = { record_id: 'R9', holder_id_number: '11010519491231002X', holder_gender: '男' };
    for (const f of [
      { rule: 'ID_GENDER_MISMATCH', severity: 'error', field: 'holder_gender', reasonZh: '', reasonEn: '' },
      { rule: 'CONSENT_MISSING', severity: 'info', field: 'consent', reasonZh: '', reasonEn: '' },
      { rule: 'MISSING_REQUIRED', severity: 'error', reasonZh: '', reasonEn: '' },
    ] as Finding[]) {
      expect(fingerprintFinding(keyring, 'R9', f, record)).toBe(
        reference.fingerprint(keyring, 'R9', f, record),
      );
    }
  });
});
