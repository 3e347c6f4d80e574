import { describe, expect, it } from 'vitest';
import {
  checkRequiredFields,
  isMinorOn,
  type Profile,
  partialParties,
  profiles,
  requiredColumns,
} from './required-fields.js';

const holder = {
  holder_name: '张三',
  holder_gender: '女',
  holder_birth_date: '1949-12-31',
  holder_id_number: '11010519491231002X',
  holder_address: '北京市朝阳区建国路1号',
  holder_phone: '13912345678',
};
const insurance = profiles['insurance']!;
const telecom = profiles['telecom']!;
const missing = (findings: ReturnType<typeof checkRequiredFields>) => findings.map((f) => f.field);

describe('insurance profile (002 §3.5)', () => {
  it('accepts a complete holder without an insured party', () => {
    expect(checkRequiredFields(holder, insurance)).toEqual([]);
  });

  it('reports one MISSING_REQUIRED per missing holder field, naming the field', () => {
    const findings = checkRequiredFields({ holder_name: '张三', holder_phone: '  ' }, insurance);
    expect(missing(findings)).toEqual([
      'holder_gender',
      'holder_birth_date',
      'holder_id_number',
      'holder_address',
      'holder_phone',
    ]);
    for (const f of findings) {
      expect(f).toMatchObject({ rule: 'MISSING_REQUIRED', severity: 'error' });
      expect(f.reasonEn).toContain(f.field);
      expect(f.reasonZh).toContain(f.field);
    }
    expect(findings[0]?.reasonZh).toContain('投保人性别');
  });

  it('checks the insured party only when one of its fields is present', () => {
    expect(missing(checkRequiredFields({ ...holder, insured_name: '张小明' }, insurance))).toEqual([
      'insured_gender',
      'insured_birth_date',
      'insured_id_number',
    ]);
    expect(checkRequiredFields({ ...holder, insured_name: '' }, insurance)).toEqual([]);
  });

  // validation-cases.md, "Record-level": an insured under 18 on the sign date may have no ID.
  it('lets an insured party under 18 on the sign date have no ID number', () => {
    const minor = {
      ...holder,
      insured_name: '张小明',
      insured_gender: '男',
      insured_birth_date: '2010-05-01',
      sign_date: '2028-04-30',
    };
    expect(checkRequiredFields(minor, insurance)).toEqual([]);
    expect(missing(checkRequiredFields({ ...minor, sign_date: '2028-05-01' }, insurance))).toEqual([
      'insured_id_number',
    ]);
  });

  it('measures age on today when there is no sign date, and requires the ID when age is unknown', () => {
    const child = {
      ...holder,
      insured_name: '张小明',
      insured_gender: '男',
      insured_birth_date: '2015-01-01',
    };
    expect(checkRequiredFields(child, insurance, { today: '2025-06-01' })).toEqual([]);
    expect(missing(checkRequiredFields(child, insurance, { today: '2033-01-01' }))).toEqual([
      'insured_id_number',
    ]);
    const noBirth = { ...holder, insured_name: '张小明', insured_gender: '男', sign_date: '2025-01-01' };
    expect(missing(checkRequiredFields(noBirth, insurance))).toEqual([
      'insured_birth_date',
      'insured_id_number',
    ]);
  });

  // 002 §3.5-3.6 ask for complete and valid key information: a value that cannot be read is as
  // good as none (the review path already refuses such a value in a correction).
  it('reports a required gender or birth date that cannot be read as MISSING_REQUIRED, birth date masked', () => {
    for (const date of ['不详', '1977-02-30', '31/12/1999', 'garbage', '16/06/1977']) {
      const findings = checkRequiredFields({ ...holder, holder_birth_date: date }, insurance);
      expect(missing(findings)).toEqual(['holder_birth_date']);
      expect(findings[0]).toMatchObject({ rule: 'MISSING_REQUIRED', severity: 'error' });
      expect(findings[0]?.reasonEn).toContain('cannot be read');
      expect(findings[0]?.reasonEn).toContain('YYYY-MM-DD');
      expect(findings[0]?.reasonZh).toContain('无法识别');
      expect(findings[0]?.maskedValue).toBe(date.replace(/\d/g, '*'));
      expect(`${findings[0]?.reasonZh}${findings[0]?.reasonEn}`).not.toContain(date);
    }
    for (const gender of ['不详', 'X', '0', '9']) {
      const findings = checkRequiredFields({ ...holder, holder_gender: gender }, insurance);
      expect(missing(findings)).toEqual(['holder_gender']);
      expect(findings[0]).toMatchObject({ rule: 'MISSING_REQUIRED', severity: 'error' });
      expect(findings[0]?.reasonEn).toContain('cannot be read');
    }
    const insured = {
      ...holder,
      insured_name: '张小明',
      insured_gender: '未知',
      insured_birth_date: '2010-13-01',
      insured_id_number: '110105201001010012',
    };
    expect(missing(checkRequiredFields(insured, insurance))).toEqual([
      'insured_gender',
      'insured_birth_date',
    ]);
  });

  it('reads every accepted form of a required date and gender (formats.md)', () => {
    for (const date of [
      '1949-12-31',
      '1949/12/31',
      '19491231',
      '1949年12月31日',
      '18263',
      '１９４９-１２-３１',
    ]) {
      expect(checkRequiredFields({ ...holder, holder_birth_date: date }, insurance)).toEqual([]);
    }
    for (const gender of ['男', '女', 'M', 'f', 'Male', '1', '2', '男性']) {
      expect(checkRequiredFields({ ...holder, holder_gender: gender }, insurance)).toEqual([]);
    }
  });

  it('requires the ID of an insured whose birth date cannot be read: the exemption cannot be shown', () => {
    const child = {
      ...holder,
      insured_name: '张小明',
      insured_gender: '男',
      insured_birth_date: '不详',
      sign_date: '2025-01-01',
    };
    expect(missing(checkRequiredFields(child, insurance))).toEqual([
      'insured_birth_date',
      'insured_id_number',
    ]);
  });

  it('warns of a sign date that cannot be read: ages are then measured on today', () => {
    for (const sign of ['待定', '2025-02-30', '01/02/2025']) {
      const findings = checkRequiredFields({ ...holder, sign_date: sign }, insurance);
      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatchObject({
        rule: 'MISSING_REQUIRED',
        severity: 'warning',
        field: 'sign_date',
      });
      expect(findings[0]?.reasonEn).toContain('cannot be read');
    }
    // No sign date at all is allowed (formats.md: empty means absent; age is measured on today).
    expect(checkRequiredFields({ ...holder, sign_date: '' }, insurance)).toEqual([]);
    expect(checkRequiredFields({ ...holder, sign_date: '2025-01-02' }, insurance)).toEqual([]);
  });

  it('never exempts the holder, even a minor one', () => {
    const { holder_id_number: _, ...rest } = holder;
    expect(
      missing(
        checkRequiredFields({ ...rest, holder_birth_date: '2015-01-01', sign_date: '2025-01-01' }, insurance),
      ),
    ).toEqual(['holder_id_number']);
  });
});

describe('telecom profile and custom profiles', () => {
  it('also requires service_number, with telecom labels', () => {
    const findings = checkRequiredFields(holder, telecom);
    expect(missing(findings)).toEqual(['service_number']);
    expect(checkRequiredFields({ ...holder, service_number: '13912345678' }, telecom)).toEqual([]);
    expect(checkRequiredFields({ ...holder, holder_name: '' }, telecom)[0]?.reasonZh).toContain('机主姓名');
  });

  it('runs a company’s own profile given as plain data', () => {
    const custom: Profile = JSON.parse(
      JSON.stringify({
        name: 'bank-assurance',
        description: 'holder name and bank account only',
        adultAge: 18,
        signDateField: 'sign_date',
        parties: [{ party: 'holder', fields: [{ field: 'holder_name' }, { field: 'bank_account' }] }],
      }),
    );
    expect(missing(checkRequiredFields({ holder_name: '张三' }, custom))).toEqual(['bank_account']);
  });
});

describe('requiredColumns', () => {
  it('gives the fields of every party not optional as a whole, exempt-for-minor fields included', () => {
    const holderColumns = [
      'holder_name',
      'holder_gender',
      'holder_birth_date',
      'holder_id_number',
      'holder_address',
      'holder_phone',
    ];
    // The insured is optional as a whole: a file may have none of its columns.
    expect(requiredColumns(insurance)).toEqual(holderColumns);
    expect(requiredColumns(telecom)).toEqual([...holderColumns, 'service_number']);
    // A field exempt for minors is still a column every file must have; a field named by two
    // parties is given once.
    const custom: Profile = {
      ...insurance,
      parties: [
        {
          party: 'holder',
          birthDateField: 'holder_birth_date',
          fields: [{ field: 'holder_name' }, { field: 'holder_id_number', exemptForMinor: true }],
        },
        { party: 'contract', fields: [{ field: 'holder_name' }, { field: 'bank_account' }] },
        { party: 'insured', optionalWithPrefix: 'insured_', fields: [{ field: 'insured_name' }] },
      ],
    };
    expect(requiredColumns(custom)).toEqual(['holder_name', 'holder_id_number', 'bank_account']);
  });
});

describe('partialParties', () => {
  it('names an optional party a header carries in part, with the columns it lacks', () => {
    const holder = requiredColumns(insurance);
    expect(partialParties(insurance, [...holder, 'record_id', null])).toEqual([]);
    expect(
      partialParties(insurance, [
        ...holder,
        'insured_name',
        'insured_gender',
        'insured_birth_date',
        'insured_id_number',
      ]),
    ).toEqual([]);
    expect(partialParties(insurance, [...holder, 'insured_name', null, 'insured_id_number'])).toEqual([
      {
        party: 'insured',
        present: ['insured_name', 'insured_id_number'],
        missing: ['insured_gender', 'insured_birth_date'],
      },
    ]);
    // Any column of the party's prefix makes it present, as a value with the prefix does in a row.
    expect(partialParties(insurance, [...holder, 'insured_id_type'])[0]?.missing).toEqual([
      'insured_name',
      'insured_gender',
      'insured_birth_date',
      'insured_id_number',
    ]);
  });
});

describe('isMinorOn', () => {
  it('comes of age on the 18th birthday; 29 February comes of age on 1 March', () => {
    expect(isMinorOn('2000-06-15', '2018-06-14')).toBe(true);
    expect(isMinorOn('2000-06-15', '2018-06-15')).toBe(false);
    expect(isMinorOn('2000-02-29', '2018-02-28')).toBe(true);
    expect(isMinorOn('2000-02-29', '2018-03-01')).toBe(false);
  });
});
