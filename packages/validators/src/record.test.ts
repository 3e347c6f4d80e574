import { describe, expect, it } from 'vitest';
import { idCheckChar } from './id-number.js';
import { validateRecord } from './record.js';
import { profiles } from './required-fields.js';

const TODAY = '2025-06-01';
const base = {
  record_id: 'R1',
  holder_name: '张三',
  holder_gender: '女',
  holder_birth_date: '1949-12-31',
  holder_id_number: '11010519491231002X',
  holder_address: '北京市朝阳区建国路1号',
  holder_phone: '139-1234-5678',
  bank_account: '6222 0212 3456 7890 128',
  sign_date: '2025-01-02',
  consent: '是',
};
const rules = (r: ReturnType<typeof validateRecord>) =>
  r.findings.map((f) => `${f.rule}:${f.severity}:${f.field}`);

describe('validateRecord', () => {
  it('accepts a clean record and returns its normalised values', () => {
    const r = validateRecord(
      { ...base, holder_id_number: '１１０１０５ １９４９１２３１ ００２x' },
      { today: TODAY },
    );
    expect(r.findings).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.normalized).toEqual({
      holder_id_number: '11010519491231002X',
      holder_gender: 'F',
      holder_birth_date: '1949-12-31',
      holder_phone: '13912345678',
      bank_account: '6222021234567890128',
      holder_name: '张三',
      sign_date: '2025-01-02',
      consent: true,
    });
    expect(r.ids.holder).toMatchObject({ kind: 'resident', regionCode: '110105' });
  });

  // validation-cases.md, "Record-level".
  it('reports ID_GENDER_MISMATCH for a holder saying 男 whose ID’s 17th digit is even', () => {
    const r = validateRecord({ ...base, holder_gender: '男' }, { today: TODAY });
    expect(rules(r)).toEqual(['ID_GENDER_MISMATCH:error:holder_gender']);
    expect(r.ok).toBe(false);
    expect(r.findings[0]?.maskedValue).toBe('110105********002X');
    // The masked value is the ID number's, not the gender's.
    expect(r.findings[0]?.maskedField).toBe('holder_id_number');
  });

  it('lets an insured minor have no ID number (no MISSING_REQUIRED)', () => {
    const r = validateRecord(
      { ...base, insured_name: '张小明', insured_gender: '男', insured_birth_date: '2015-03-04' },
      { today: TODAY },
    );
    expect(r.findings).toEqual([]);
  });

  it('reports ID_BIRTHDATE_MISMATCH, reading the record’s date in any accepted format', () => {
    const r = validateRecord({ ...base, holder_birth_date: '1949/12/30' }, { today: TODAY });
    expect(rules(r)).toEqual(['ID_BIRTHDATE_MISMATCH:error:holder_birth_date']);
    expect(r.findings[0]).toMatchObject({
      maskedField: 'holder_id_number',
      maskedValue: '110105********002X',
    });
    expect(validateRecord({ ...base, holder_birth_date: '19491231' }, { today: TODAY }).findings).toEqual([]);
    expect(validateRecord({ ...base, holder_birth_date: '18263' }, { today: TODAY }).findings).toEqual([]);
  });

  it('checks the insured’s ID against the insured’s own fields', () => {
    const body = '44030819900101001';
    const r = validateRecord(
      {
        ...base,
        insured_name: '李四',
        insured_gender: '女',
        insured_birth_date: '1990-01-01',
        insured_id_number: body + idCheckChar(body),
      },
      { today: TODAY },
    );
    expect(rules(r)).toEqual(['ID_GENDER_MISMATCH:error:insured_gender']);
    expect(r.findings[0]?.maskedField).toBe('insured_id_number');
    expect(r.normalized.insured_id_number).toBe(body + idCheckChar(body));
  });

  it('puts ID, phone and bank findings on their fields', () => {
    const r = validateRecord(
      {
        ...base,
        holder_id_number: '440308199901101513',
        holder_gender: '男',
        holder_birth_date: '1999-01-10',
        holder_phone: '13800138000',
        bank_account: '622202123',
      },
      { today: TODAY },
    );
    expect(rules(r)).toEqual([
      'ID_CHECKSUM:error:holder_id_number',
      'PHONE_PLACEHOLDER:warning:holder_phone',
      'BANK_ACCOUNT_FORMAT:error:bank_account',
    ]);
    expect(r.normalized.holder_id_number).toBe('440308199901101513');
  });

  it('converts a 15-digit holder ID to 18 digits for indexing', () => {
    const r = validateRecord(
      { ...base, holder_id_number: '610104620927690', holder_birth_date: '1962-09-27' },
      { today: TODAY },
    );
    expect(r.findings).toEqual([]);
    expect(r.normalized.holder_id_number).toBe('610104196209276908');
  });

  it('checks permits and foreigner IDs by their declared type, and warns when the number has another form', () => {
    const permit = validateRecord(
      {
        ...base,
        holder_id_type: '港澳台居民居住证',
        holder_id_number: '810000199408230021',
        holder_birth_date: '1994-08-23',
      },
      { today: TODAY },
    );
    expect(permit.findings).toEqual([]);
    const foreigner = validateRecord(
      {
        ...base,
        holder_id_type: '外国人永久居留身份证',
        holder_id_number: 'KAZ110090123105',
        holder_birth_date: '1990-12-31',
      },
      { today: TODAY },
    );
    expect(foreigner.findings).toEqual([]);
    expect(
      rules(
        validateRecord(
          {
            ...base,
            holder_id_type: '外国人永久居留身份证',
            holder_id_number: 'KAZ110090123105',
            holder_birth_date: '1991-12-31',
          },
          { today: TODAY },
        ),
      ),
    ).toEqual(['ID_BIRTHDATE_MISMATCH:error:holder_birth_date']);
    const declaredWrong = validateRecord(
      {
        ...base,
        holder_id_type: '居民身份证',
        holder_id_number: '810000199408230021',
        holder_birth_date: '1994-08-23',
      },
      { today: TODAY },
    );
    expect(rules(declaredWrong)).toEqual(['ID_FORMAT:warning:holder_id_number']);
  });

  it('does not validate passports, only folds them', () => {
    const r = validateRecord(
      { ...base, holder_id_type: '护照', holder_id_number: ' e1234 5678 ' },
      { today: TODAY },
    );
    expect(r.findings).toEqual([]);
    expect(r.normalized.holder_id_number).toBe('E12345678');
  });

  // The user review: a file with such values was ingested with no flag at all.
  it('reports a stated gender or birth date that cannot be read, and no mismatch with the ID for it', () => {
    for (const date of ['不详', '1977-02-30', '31/12/1999', 'garbage', '16/06/1977', '1949/31/12']) {
      const r = validateRecord({ ...base, holder_birth_date: date }, { today: TODAY });
      expect(rules(r)).toEqual(['MISSING_REQUIRED:error:holder_birth_date']);
      expect(r.normalized.holder_birth_date).toBeUndefined();
      expect(JSON.stringify(r.findings)).not.toMatch(/\d{2}\/\d{2}|1977|1999|1949/);
    }
    for (const gender of ['不详', 'X']) {
      const r = validateRecord({ ...base, holder_gender: gender }, { today: TODAY });
      expect(rules(r)).toEqual(['MISSING_REQUIRED:error:holder_gender']);
      expect(r.normalized.holder_gender).toBeUndefined();
    }
    const r = validateRecord({ ...base, sign_date: '待定' }, { today: TODAY });
    expect(rules(r)).toEqual(['MISSING_REQUIRED:warning:sign_date']);
    expect(r.normalized.sign_date).toBeUndefined();
    // A wrong ID next to an unreadable birth date or gender still raises its own finding.
    const bad = validateRecord(
      { ...base, holder_birth_date: '不详', holder_gender: 'X', holder_id_number: '440308199901101513' },
      { today: TODAY },
    );
    expect(rules(bad)).toEqual([
      'MISSING_REQUIRED:error:holder_gender',
      'MISSING_REQUIRED:error:holder_birth_date',
      'ID_CHECKSUM:error:holder_id_number',
    ]);
  });

  // formats.md names 居民身份证 (the default), 港澳台居民居住证, 外国人永久居留身份证, 护照 and
  // other documents by name; an industry code (01) or garbage is no document anyone can check.
  it('reports an ID type that names no document, and checks a number of 18-character ID form under it', () => {
    const wrongCheck = '440308199901101513';
    for (const type of ['01', '0', 'ID', 'XYZ', '其他']) {
      const r = validateRecord(
        {
          ...base,
          holder_id_type: type,
          holder_id_number: wrongCheck,
          holder_gender: '男',
          holder_birth_date: '1999-01-10',
        },
        { today: TODAY },
      );
      expect(rules(r)).toEqual(['ID_FORMAT:warning:holder_id_type', 'ID_CHECKSUM:error:holder_id_number']);
      expect(r.findings[0]?.reasonZh).toContain(`证件类型“${type}”`);
      expect(r.findings[0]?.reasonEn).toContain(`"${type}"`);
      expect(r.findings[0]?.maskedValue).toBe(type);
      // The stored form (blind index) is the one any document type gets.
      expect(r.normalized.holder_id_number).toBe(wrongCheck);
    }
    // Its gender and birth date are compared as for a resident ID.
    expect(
      rules(validateRecord({ ...base, holder_id_type: '01', holder_gender: '男' }, { today: TODAY })),
    ).toEqual(['ID_FORMAT:warning:holder_id_type', 'ID_GENDER_MISMATCH:error:holder_gender']);
    // A number of another form under an unknown type: the type alone is reported.
    const passportLike = validateRecord(
      { ...base, holder_id_type: 'XYZ', holder_id_number: 'E12345678' },
      { today: TODAY },
    );
    expect(rules(passportLike)).toEqual(['ID_FORMAT:warning:holder_id_type']);
    expect(passportLike.normalized.holder_id_number).toBe('E12345678');
    // The insured's type is checked alike.
    expect(
      rules(
        validateRecord(
          {
            ...base,
            insured_name: '李四',
            insured_gender: '女',
            insured_birth_date: '1949-12-31',
            insured_id_type: '1',
            insured_id_number: '11010519491231002X',
          },
          { today: TODAY },
        ),
      ),
    ).toEqual(['ID_FORMAT:warning:insured_id_type']);
  });

  it('never shows an ID type that looks like a number of a person', () => {
    const r = validateRecord({ ...base, holder_id_type: '13912345678' }, { today: TODAY });
    expect(rules(r)).toEqual(['ID_FORMAT:warning:holder_id_type']);
    expect(JSON.stringify(r.findings)).not.toContain('13912345678');
  });

  it('checks a number of resident-ID form given as a passport or another named document', () => {
    const passport = validateRecord(
      {
        ...base,
        holder_id_type: '护照',
        holder_id_number: '440308199901101513',
        holder_birth_date: '1999-01-10',
        holder_gender: '男',
      },
      { today: TODAY },
    );
    expect(rules(passport)).toEqual([
      'ID_CHECKSUM:error:holder_id_number',
      'ID_FORMAT:warning:holder_id_number',
    ]);
    expect(passport.findings[1]?.reasonZh).toContain('证件类型为护照');
    expect(passport.findings[1]?.reasonEn).toContain('the number has the form of a resident ID');
    for (const type of ['护照', '军官证', '港澳居民来往内地通行证', '出生医学证明']) {
      expect(rules(validateRecord({ ...base, holder_id_type: type }, { today: TODAY }))).toEqual([
        'ID_FORMAT:warning:holder_id_number',
      ]);
      expect(
        validateRecord({ ...base, holder_id_type: type, holder_id_number: 'E12345678' }, { today: TODAY })
          .findings,
      ).toEqual([]);
    }
    // The resident family by any of its names, and no type at all, as before.
    for (const type of ['居民身份证', '身份证', '户口簿', '', '  ']) {
      expect(validateRecord({ ...base, holder_id_type: type }, { today: TODAY }).findings).toEqual([]);
    }
  });

  it('says that digits were lost for an ID, phone or account in Excel scientific notation, whatever the ID type', () => {
    for (const type of ['居民身份证', '护照', '01']) {
      const r = validateRecord(
        {
          ...base,
          holder_id_type: type,
          holder_id_number: '1.10105E+17',
          holder_phone: '1.39123E+10',
          bank_account: '6.22202E+18',
        },
        { today: TODAY },
      );
      const lost = r.findings.filter((f) => f.reasonEn.includes('stored as a number in Excel'));
      expect(lost.map((f) => `${f.rule}:${f.field}`)).toEqual([
        'ID_FORMAT:holder_id_number',
        'PHONE_FORMAT:holder_phone',
        'BANK_ACCOUNT_FORMAT:bank_account',
      ]);
    }
  });

  it('reports BANK_ACCOUNT_HOLDER_MISMATCH when the account name differs after folding', () => {
    expect(validateRecord({ ...base, bank_account_name: ' 张 三 ' }, { today: TODAY }).findings).toEqual([]);
    const r = validateRecord({ ...base, bank_account_name: '李四' }, { today: TODAY });
    expect(rules(r)).toEqual(['BANK_ACCOUNT_HOLDER_MISMATCH:warning:bank_account_name']);
    expect(r.findings[0]?.maskedValue).toBe('李*');
    expect(
      validateRecord(
        { ...base, holder_name: '阿依古丽·买买提', bank_account_name: '阿依古丽•买买提' },
        { today: TODAY },
      ).findings,
    ).toEqual([]);
  });

  it('reports CONSENT_MISSING when consent says no; absent is not recorded', () => {
    for (const no of ['否', 'N', 'false', '0']) {
      expect(rules(validateRecord({ ...base, consent: no }, { today: TODAY }))).toEqual([
        'CONSENT_MISSING:error:consent',
      ]);
    }
    const { consent: _, ...noConsent } = base;
    expect(validateRecord(noConsent, { today: TODAY }).findings).toEqual([]);
    expect(rules(validateRecord({ ...base, consent: '可能' }, { today: TODAY }))).toEqual([
      'CONSENT_MISSING:info:consent',
    ]);
    const strict = { ...profiles['insurance']!, reportUnrecordedConsent: true };
    expect(rules(validateRecord(noConsent, { today: TODAY, profile: strict }))).toEqual([
      'CONSENT_MISSING:info:consent',
    ]);
  });

  it('runs the telecom profile by name and validates the service number', () => {
    const r = validateRecord(
      { ...base, service_number: '1440012345678' },
      { today: TODAY, profile: 'telecom' },
    );
    expect(rules(r)).toEqual(['PHONE_FORMAT:error:service_number']);
    expect(rules(validateRecord(base, { today: TODAY, profile: 'telecom' }))).toEqual([
      'MISSING_REQUIRED:error:service_number',
    ]);
    expect(() => validateRecord(base, { profile: 'bank' })).toThrow(RangeError);
  });

  it('speaks of the telecom subscriber (机主) and user (使用人), never the insurance parties', () => {
    const telecom = { today: TODAY, profile: 'telecom' } as const;
    const withLine = { ...base, service_number: '13912340001' };
    const reasons = (r: ReturnType<typeof validateRecord>) =>
      r.findings.map((f) => `${f.rule}: ${f.reasonZh} / ${f.reasonEn}`);
    // An ID type the validators do not know (an industry code): the subscriber's.
    const idType = reasons(validateRecord({ ...withLine, holder_id_type: '01' }, telecom));
    expect(idType).toEqual([expect.stringMatching(/^ID_FORMAT: 机主证件类型.* subscriber ID type/)]);
    const userType = reasons(
      validateRecord(
        {
          ...withLine,
          insured_name: '李四',
          insured_gender: '男',
          insured_birth_date: '1990-01-01',
          insured_id_type: '01',
          insured_id_number: 'X1',
        },
        telecom,
      ),
    );
    expect(userType[0]).toMatch(/^ID_FORMAT: 使用人证件类型.* user ID type/);
    const account = reasons(validateRecord({ ...withLine, bank_account_name: '王五' }, telecom));
    expect(account).toEqual([
      'BANK_ACCOUNT_HOLDER_MISMATCH: 缴费账户的户名与机主姓名不一致 / the name on the paying account differs from the subscriber name',
    ]);
    for (const r of [...idType, ...userType, ...account])
      expect(r).not.toMatch(/投保人|被保险人|holder|insured/);
    // Insurance keeps its words.
    expect(reasons(validateRecord({ ...base, bank_account_name: '王五' }, { today: TODAY }))).toEqual([
      'BANK_ACCOUNT_HOLDER_MISMATCH: 缴费账户的户名与投保人姓名不一致 / the name on the paying account differs from the holder name',
    ]);
  });

  it('never puts a clear personal value in a finding', () => {
    const r = validateRecord(
      {
        holder_name: '王小二',
        holder_gender: '男',
        holder_birth_date: '1990-01-01',
        holder_id_number: '440308199902301516',
        holder_phone: '19412345678',
        bank_account: '6214832018989180',
        bank_account_name: '王二小',
        consent: '否',
      },
      { today: TODAY },
    );
    const text = JSON.stringify(r.findings);
    for (const clear of [
      '440308199902301516',
      '19990230',
      '19412345678',
      '6214832018989180',
      '王二小',
      '王小二',
      '1990-01-01',
    ]) {
      expect(text).not.toContain(clear);
    }
  });
});
