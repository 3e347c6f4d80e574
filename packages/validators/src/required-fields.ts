// Mandatory fields, driven by a profile. Profiles are plain data so that a company can define
// its own (a JSON file in its configuration will do). The default `insurance` profile is
// 002 §3.5: "（一）投保人的姓名、性别、出生日期、证件号码、联系地址、电话；（二）被保险人的姓名、性别、
// 出生日期、证件号码（未成年被保险人除外）". Rule code MISSING_REQUIRED.

import { formatYmd, parseDate, resolveToday, ymdOf } from './dates.js';
import { parseGender } from './field-values.js';
import { type Finding, makeFinding } from './findings.js';
import { maskDate } from './masking.js';
import { presentValue } from './text.js';

/** A customer record by canonical field name (formats.md); `undefined` or `''` means absent. */
export type CustomerRecord = Readonly<Record<string, string | undefined>>;

export interface RequiredField {
  /** Canonical field name (formats.md), e.g. `holder_id_number`. */
  field: string;
  /** The field may be absent when the party is a minor on the sign date (002 §3.5(2)). */
  exemptForMinor?: boolean;
  /**
   * The field is a person's (gender, birth date): not asked of a customer that is an organisation
   * (`isOrganisation`, customer_type 单位), whose holder has neither.
   */
  personOnly?: boolean;
}

export interface PartyRequirements {
  /** Party the fields belong to: `holder`, `insured`, or `contract` for record-level fields. */
  party: string;
  /**
   * When set, the party is optional as a whole: its fields are checked only when some field
   * whose name starts with this prefix has a value (an insured party is not always separate
   * from the holder).
   */
  optionalWithPrefix?: string;
  /** Field holding the party's birth date, needed by `exemptForMinor`. */
  birthDateField?: string;
  fields: readonly RequiredField[];
}

export interface FieldLabel {
  zh: string;
  en: string;
}

export interface Profile {
  name: string;
  description: string;
  parties: readonly PartyRequirements[];
  /** Age of majority: 18 (Civil Code art. 17). A party younger than this on the sign date is a minor. */
  adultAge: number;
  /** Date on which age is measured; when the record has none, today is used. */
  signDateField: string;
  /**
   * Also report a consent field that is absent or unreadable, as an `info` CONSENT_MISSING
   * (formats.md: absent means "not recorded", which is not a refusal). Default: not reported.
   */
  reportUnrecordedConsent?: boolean;
  /** Labels for reasons, overriding `FIELD_LABELS` (a telecom says 机主, not 投保人). */
  labels?: Readonly<Record<string, FieldLabel>>;
}

/** Default labels of canonical fields, for reasons. */
export const FIELD_LABELS: Readonly<Record<string, FieldLabel>> = {
  holder_name: { zh: '投保人姓名', en: 'holder name' },
  holder_gender: { zh: '投保人性别', en: 'holder gender' },
  holder_birth_date: { zh: '投保人出生日期', en: 'holder birth date' },
  holder_id_type: { zh: '投保人证件类型', en: 'holder ID type' },
  holder_id_number: { zh: '投保人证件号码', en: 'holder ID number' },
  holder_phone: { zh: '投保人电话', en: 'holder phone' },
  holder_address: { zh: '投保人联系地址', en: 'holder address' },
  insured_name: { zh: '被保险人姓名', en: 'insured name' },
  insured_gender: { zh: '被保险人性别', en: 'insured gender' },
  insured_birth_date: { zh: '被保险人出生日期', en: 'insured birth date' },
  insured_id_type: { zh: '被保险人证件类型', en: 'insured ID type' },
  insured_id_number: { zh: '被保险人证件号码', en: 'insured ID number' },
  bank_account: { zh: '银行账号', en: 'bank account' },
  bank_account_name: { zh: '账户名', en: 'bank account name' },
  service_number: { zh: '服务号码', en: 'service number' },
  sign_date: { zh: '签单日期', en: 'sign date' },
  consent: { zh: '同意采集', en: 'consent' },
};

const HOLDER: PartyRequirements = {
  party: 'holder',
  birthDateField: 'holder_birth_date',
  fields: [
    { field: 'holder_name' },
    { field: 'holder_gender', personOnly: true },
    { field: 'holder_birth_date', personOnly: true },
    { field: 'holder_id_number' },
    { field: 'holder_address' },
    { field: 'holder_phone' },
  ],
};

const INSURED: PartyRequirements = {
  party: 'insured',
  optionalWithPrefix: 'insured_',
  birthDateField: 'insured_birth_date',
  fields: [
    { field: 'insured_name' },
    { field: 'insured_gender' },
    { field: 'insured_birth_date' },
    { field: 'insured_id_number', exemptForMinor: true },
  ],
};

/** Built-in profiles. `insurance` is the default of `validateRecord`. */
export const profiles: Record<string, Profile> = {
  insurance: {
    name: 'insurance',
    description: 'Life insurance contract: 002 §3.5, holder and (optional) insured party',
    parties: [HOLDER, INSURED],
    adultAge: 18,
    signDateField: 'sign_date',
  },
  telecom: {
    name: 'telecom',
    description:
      'Telecom subscription: the insurance fields for holder (机主) and user (使用人), and the service number sold',
    parties: [HOLDER, INSURED, { party: 'contract', fields: [{ field: 'service_number' }] }],
    adultAge: 18,
    signDateField: 'sign_date',
    labels: {
      holder_name: { zh: '机主姓名', en: 'subscriber name' },
      holder_gender: { zh: '机主性别', en: 'subscriber gender' },
      holder_birth_date: { zh: '机主出生日期', en: 'subscriber birth date' },
      holder_id_type: { zh: '机主证件类型', en: 'subscriber ID type' },
      holder_id_number: { zh: '机主证件号码', en: 'subscriber ID number' },
      holder_phone: { zh: '机主联系电话', en: 'subscriber phone' },
      holder_address: { zh: '机主联系地址', en: 'subscriber address' },
      insured_name: { zh: '使用人姓名', en: 'user name' },
      insured_gender: { zh: '使用人性别', en: 'user gender' },
      insured_birth_date: { zh: '使用人出生日期', en: 'user birth date' },
      insured_id_type: { zh: '使用人证件类型', en: 'user ID type' },
      insured_id_number: { zh: '使用人证件号码', en: 'user ID number' },
    },
  },
};

export interface RequiredFieldsOptions {
  /** `YYYY-MM-DD`; stands in for a missing sign date. Defaults to today in Asia/Shanghai. */
  today?: string;
}

/**
 * The customer is an organisation, not a person (formats.md customer_type: 个人 / 单位): its holder
 * has no gender or birth date, and its ID number is a unified social credit code (GB 32100-2015).
 */
export function isOrganisation(record: CustomerRecord): boolean {
  const t = presentValue(record['customer_type']);
  if (t === undefined) return false;
  const folded = t.replace(/\s+/g, '').toLowerCase();
  return folded === '单位' || folded === '企业' || folded === 'organisation' || folded === 'organization';
}

/** Label of a field for reasons: the profile's, the default, or the field name itself. */
export function labelOf(field: string, profile?: Profile): FieldLabel {
  return profile?.labels?.[field] ?? FIELD_LABELS[field] ?? { zh: field, en: field };
}

/**
 * True when someone born on `birthDate` is younger than `adultAge` on `onDate` (both
 * `YYYY-MM-DD`). Someone born on 29 February comes of age on 1 March in a common year.
 */
export function isMinorOn(birthDate: string, onDate: string, adultAge = 18): boolean {
  return ymdOf(birthDate) + adultAge * 10000 > ymdOf(onDate);
}

function partyIsPresent(record: CustomerRecord, party: PartyRequirements, prefix: string): boolean {
  // Usually one of the party's own fields has a value: no need to go through every key.
  for (const required of party.fields) {
    if (required.field.startsWith(prefix) && presentValue(record[required.field]) !== undefined) return true;
  }
  for (const key of Object.keys(record)) {
    if (key.startsWith(prefix) && presentValue(record[key]) !== undefined) return true;
  }
  return false;
}

/** The party is under `profile.adultAge` on the sign date (today when the record has none). */
function isPartyMinor(
  record: CustomerRecord,
  party: PartyRequirements,
  profile: Profile,
  today: string | undefined,
): boolean {
  const birth = party.birthDateField === undefined ? undefined : parseDate(record[party.birthDateField]);
  const sign = parseDate(record[profile.signDateField]) ?? formatYmd(resolveToday(today));
  return birth !== undefined && isMinorOn(birth, sign, profile.adultAge);
}

/**
 * The columns a file checked under `profile` must have, in the profile's order, once each: every
 * field of a party that is not optional as a whole (a party with `optionalWithPrefix`, such as the
 * insured, may be absent from a file altogether). A field `exemptForMinor` is still a required
 * column: only the value of some rows may be empty. Without such a column every row of the file
 * would lack the field (MISSING_REQUIRED on each), and every record it updates would lose its
 * stored value.
 */
export function requiredColumns(profile: Profile): string[] {
  const columns = new Set<string>();
  for (const party of profile.parties) {
    if (party.optionalWithPrefix !== undefined) continue;
    for (const required of party.fields) columns.add(required.field);
  }
  return [...columns];
}

/** A party optional as a whole that a header names in part: the columns it has and those it lacks. */
export interface PartialParty {
  party: string;
  present: string[];
  missing: string[];
}

/**
 * The parties optional as a whole (the insured) that a file's header names in part: a column with
 * the party's prefix is there, but not every field the party requires when present. Every row
 * that names such a party would lack those fields (MISSING_REQUIRED on each), and every record the
 * file updates would lose their stored values, as for a column of `requiredColumns`. A party with
 * no column at all is not partial: the file simply carries none.
 */
export function partialParties(profile: Profile, columns: readonly (string | null)[]): PartialParty[] {
  const out: PartialParty[] = [];
  for (const party of profile.parties) {
    const prefix = party.optionalWithPrefix;
    if (prefix === undefined) continue;
    const present = columns.filter((c): c is string => c?.startsWith(prefix) === true);
    if (present.length === 0) continue;
    const missing = party.fields.map((f) => f.field).filter((f) => !columns.includes(f));
    if (missing.length > 0) out.push({ party: party.party, present: [...new Set(present)], missing });
  }
  return out;
}

/** How the value of a coded field is read, and what a reason says is expected of it. */
interface FieldReading {
  readable: (value: string) => boolean;
  expected: FieldLabel;
  /** The value as a reason may show it; absent: not shown. */
  mask?: (value: string) => string;
}

const DATE_READING: FieldReading = {
  readable: (v) => parseDate(v) !== undefined,
  // formats.md, holder_birth_date: the forms a file may use. DD/MM/YYYY is not one of them: 06/05
  // could be either order, and the contract does not say which.
  expected: {
    zh: '真实的日期，写作YYYY-MM-DD、YYYY/MM/DD、YYYYMMDD或Excel日期',
    en: 'a real date written YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD or an Excel date',
  },
  // A birth date is personal data (it is the middle of the ID number): its digits never show.
  mask: maskDate,
};

const GENDER_READING: FieldReading = {
  readable: (v) => parseGender(v) !== undefined,
  // A gender cell that cannot be read may hold anything a misaligned column put there: not shown.
  expected: { zh: '男/女、M/F或1/2', en: '男/女, M/F or 1/2' },
};

/**
 * The canonical fields whose text is read as a value (formats.md "Customer records"). A required
 * one whose value cannot be read is as good as missing: 002 §3.5 asks for the key information to
 * be complete, §3.6 for gender and birth date to be checked, and neither can be done with
 * 不详 or 1977-02-30. The ingest stores such a value as absent.
 */
const FIELD_READINGS: Readonly<Record<string, FieldReading>> = {
  holder_gender: GENDER_READING,
  insured_gender: GENDER_READING,
  holder_birth_date: DATE_READING,
  insured_birth_date: DATE_READING,
};

function unreadableFinding(
  field: string,
  value: string,
  reading: FieldReading,
  profile: Profile,
  severity: 'error' | 'warning',
  consequence: FieldLabel,
): Finding {
  const label = labelOf(field, profile);
  const f = makeFinding(
    'MISSING_REQUIRED',
    severity,
    `${label.zh}（${field}）无法识别，${consequence.zh}：应为${reading.expected.zh}`,
    `${label.en} (${field}) cannot be read, ${consequence.en}: expected ${reading.expected.en}`,
    reading.mask?.(value),
  );
  f.field = field;
  return f;
}

const AS_MISSING: FieldLabel = { zh: '视同缺失', en: 'so it counts as missing' };
const AGE_ON_TODAY: FieldLabel = {
  zh: '未成年人的年龄改按今天计算',
  en: 'so ages (the minor exemption) are measured on today',
};

/**
 * One MISSING_REQUIRED error per required field without a value, naming the field. A required
 * gender or birth date whose value cannot be read (`FIELD_READINGS`) counts as missing, with a
 * reason saying so and the forms expected (a birth date masked). An optional party without any
 * value is skipped. A field marked `exemptForMinor` is not required when the party's birth date
 * shows them under `profile.adultAge` on the sign date (today when the record has none); with no
 * readable birth date the exemption cannot be shown and the field is required. A sign date that
 * is there but cannot be read is a MISSING_REQUIRED warning: it is not required, but ages are
 * then measured on today. Never throws on bad data.
 * @throws RangeError when `opts.today` is not a real date.
 */
export function checkRequiredFields(
  record: CustomerRecord,
  profile: Profile,
  opts: RequiredFieldsOptions = {},
): Finding[] {
  const findings: Finding[] = [];
  const organisation = isOrganisation(record);
  for (const party of profile.parties) {
    if (party.optionalWithPrefix !== undefined && !partyIsPresent(record, party, party.optionalWithPrefix))
      continue;
    for (const required of party.fields) {
      if (required.personOnly && organisation) continue;
      const value = presentValue(record[required.field]);
      if (value !== undefined) {
        const reading = FIELD_READINGS[required.field];
        if (reading === undefined || reading.readable(value)) continue;
        findings.push(unreadableFinding(required.field, value, reading, profile, 'error', AS_MISSING));
        continue;
      }
      if (required.exemptForMinor && isPartyMinor(record, party, profile, opts.today)) continue;
      const label = labelOf(required.field, profile);
      const f = makeFinding(
        'MISSING_REQUIRED',
        'error',
        `缺少必填项：${label.zh}（${required.field}）`,
        `missing required field: ${label.en} (${required.field})`,
      );
      f.field = required.field;
      findings.push(f);
    }
  }
  const sign = presentValue(record[profile.signDateField]);
  if (sign !== undefined && !DATE_READING.readable(sign)) {
    findings.push(
      unreadableFinding(profile.signDateField, sign, DATE_READING, profile, 'warning', AGE_ON_TODAY),
    );
  }
  return findings;
}
