import { describe, expect, it } from 'vitest';
import { validateRecord } from './record.js';
import { checkRequiredFields, isOrganisation, profiles } from './required-fields.js';

const TODAY = '2025-06-01';
/** A customer that is an organisation: no gender or birth date, its credit code as ID number. */
const organisation = {
  record_id: 'O1',
  customer_type: '单位',
  holder_name: '杭州某某科技有限公司',
  holder_id_type: '统一社会信用代码',
  holder_id_number: '91330100716105852F',
  holder_address: '浙江省杭州市西湖区文三路1号',
  holder_phone: '0571-8502-2088',
  bank_account: '0406123456789012345',
  sign_date: '2025-01-02',
  consent: '是',
};
const rules = (r: ReturnType<typeof validateRecord>) =>
  r.findings.map((f) => `${f.rule}:${f.severity}:${f.field}`);

describe('a customer that is an organisation (customer_type 单位)', () => {
  it('is recognised by its customer type, in Chinese or English', () => {
    for (const t of ['单位', ' 单位 ', '企业', 'Organisation', 'organization'])
      expect(isOrganisation({ customer_type: t })).toBe(true);
    for (const t of ['个人', '', undefined]) expect(isOrganisation({ customer_type: t })).toBe(false);
  });

  it('needs no gender or birth date, and its credit code is checked as one (GB 32100-2015)', () => {
    const r = validateRecord(organisation, { today: TODAY });
    expect(rules(r)).toEqual([]);
    expect(r.normalized.holder_id_number).toBe('91330100716105852F');
    // The same record as a person's: gender and birth date are missing, and the code is no ID.
    const person = validateRecord(
      { ...organisation, customer_type: '个人', holder_id_type: '' },
      { today: TODAY },
    );
    expect(rules(person)).toEqual(
      expect.arrayContaining([
        'MISSING_REQUIRED:error:holder_gender',
        'MISSING_REQUIRED:error:holder_birth_date',
      ]),
    );
  });

  it('takes the credit code as the ID type when none is given, and under 营业执照', () => {
    expect(rules(validateRecord({ ...organisation, holder_id_type: '' }, { today: TODAY }))).toEqual([]);
    expect(rules(validateRecord({ ...organisation, holder_id_type: '营业执照' }, { today: TODAY }))).toEqual(
      [],
    );
  });

  it('flags a wrong check character as ID_CHECKSUM and a malformed code as ID_FORMAT, on the ID number', () => {
    expect(
      rules(validateRecord({ ...organisation, holder_id_number: '91330100716105852G' }, { today: TODAY })),
    ).toEqual(['ID_CHECKSUM:error:holder_id_number']);
    expect(
      rules(validateRecord({ ...organisation, holder_id_number: '9133010071610585' }, { today: TODAY })),
    ).toEqual(['ID_FORMAT:error:holder_id_number']);
  });

  it('still needs the rest of the key information, and the insured party (使用人) is a person', () => {
    const missing = checkRequiredFields(
      { ...organisation, holder_address: '', insured_name: '李四' },
      profiles.telecom!,
      { today: TODAY },
    ).map((f) => f.field);
    expect(missing).toEqual(
      expect.arrayContaining(['holder_address', 'service_number', 'insured_gender', 'insured_birth_date']),
    );
    expect(missing).not.toContain('holder_gender');
    expect(missing).not.toContain('holder_birth_date');
  });
});
