// Every single-record rule of rulebook §1 on one customer record, and the normalised values the
// ingest needs for blind indexes. Archive-wide rules (DUP_PHONE, DUP_BANK_ACCOUNT, ID_CONFLICT,
// ID_LINE_LIMIT, AGENT_CONTACT_SUBSTITUTION, AGENT_RECHECK) need the archive and live in the
// ingest; they compare the values normalised here.

import { validateBankAccount } from './bank-account.js';
import { validateCreditCode } from './credit-code.js';
import { parseDate } from './dates.js';
import { parseConsent, parseGender } from './field-values.js';
import { type Finding, hasNoError, makeFinding } from './findings.js';
import { type Gender, type IdKind, type IdParseResult, parseIdNumber } from './id-number.js';
import { maskIdNumber, maskName } from './masking.js';
import { validatePhone } from './phone.js';
import {
  type CustomerRecord,
  checkRequiredFields,
  isOrganisation,
  labelOf,
  type Profile,
  profiles,
} from './required-fields.js';
import { foldCompact, foldName, isExcelScientific, nfkc, presentValue } from './text.js';

export interface ValidateRecordOptions {
  /** A profile object or the name of a built-in one; default `insurance`. */
  profile?: Profile | string;
  /** `YYYY-MM-DD`: the day birth dates may not exceed; defaults to today in Asia/Shanghai. */
  today?: string;
}

/** Normalised values of a record: what the ingest stores and computes blind indexes from. */
export interface NormalizedRecord {
  /** 18 characters (a 15-digit number converted), or the folded text for other document types. */
  holder_id_number?: string;
  insured_id_number?: string;
  /** Mobile: 11 digits; landline: `0755-6226567[-ext]`. */
  holder_phone?: string;
  service_number?: string;
  /**
   * What the service number is, when its shape is recognised: a mobile line (11 digits, voice or
   * data-only segment), a landline or a 13-digit IoT number. ID_LINE_LIMIT counts mobile lines only.
   */
  service_number_kind?: 'mobile' | 'landline' | 'iot';
  /** Digits only. */
  bank_account?: string;
  /** Name on the account, folded for comparison (NFKC, no spaces, one middle dot, upper case). */
  bank_account_name?: string;
  holder_name?: string;
  insured_name?: string;
  holder_gender?: Gender;
  insured_gender?: Gender;
  /** `YYYY-MM-DD`. */
  holder_birth_date?: string;
  insured_birth_date?: string;
  sign_date?: string;
  /** `true` consented, `false` refused, absent when not recorded. */
  consent?: boolean;
}

export interface RecordResult {
  /** No error-severity finding. */
  ok: boolean;
  findings: Finding[];
  normalized: NormalizedRecord;
  /** The parsed ID numbers, when the document type is one this package validates. */
  ids: { holder?: IdParseResult; insured?: IdParseResult };
}

type IdFamily = 'resident' | 'permit' | 'foreigner' | 'organisation' | 'other' | 'unknown';
/** The families of a person's ID numbers, which `parseIdNumber` checks. */
type PersonFamily = Exclude<IdFamily, 'organisation' | 'other' | 'unknown'>;

/** Appends copies of `findings` with `field` set: `out.push(...withField(findings, field))`. */
function pushWithField(out: Finding[], findings: readonly Finding[], field: string): void {
  for (const f of findings) out.push({ ...f, field });
}

/**
 * The name of a document: Chinese text ending as document names do (护照, 军官证,
 * 港澳居民来往内地通行证, 出生医学证明, 其他证件, 户口簿). formats.md lists 护照 and "..." after the
 * three it checks: other documents are named, never coded.
 */
const DOCUMENT_NAME =
  /^[\u3400-\u4dbf\u4e00-\u9fff()（）·]*[\u3400-\u4dbf\u4e00-\u9fff](?:证|证件|证明|证书|照|簿|本)$/;

/**
 * Document family of an ID type label (formats.md: 居民身份证 is the default when absent; the
 * others are 港澳台居民居住证, 外国人永久居留身份证, 护照, ...). Passports, travel permits and
 * other named documents (`other`) are not checked by type: their numbers follow foreign or
 * issuer-internal rules. A label that names no document (an industry code such as 01, `ID`,
 * `XYZ`) is `unknown`: nothing says which document the number is of. Codes are not mapped to
 * 居民身份证: neither formats.md nor the seeds give a code table, and codes differ by company.
 */
export function idFamilyOf(idType: string | undefined): IdFamily {
  if (idType === '居民身份证') return 'resident';
  const raw = presentValue(idType);
  const t = raw === undefined ? undefined : nfkc(raw).replace(/\s+/g, '');
  if (t === undefined) return 'resident';
  // An organisation's number: the unified social credit code, printed on its business licence.
  if (t.includes('信用代码') || t.includes('营业执照')) return 'organisation';
  if (t.includes('永久居留')) return 'foreigner';
  if (t.includes('居住证')) return 'permit';
  if (t.includes('身份证') || t.includes('户口')) return 'resident';
  return DOCUMENT_NAME.test(t) ? 'other' : 'unknown';
}

/**
 * The 18-character form every checked document shares (17 digits and a digit or X): resident ID,
 * residence permit, foreigner ID of 2023. No passport or travel permit has it, so a number of this
 * form under another type, or under a type that names no document, is checked as what it looks like.
 */
const ID18_FORM = /^\d{17}[\dX]$/;

/** Seven digits in a row: a phone, an ID or an account number, never an ID type. */
const NUMBER_LIKE = /\d{7}/;

const FAMILY_KINDS: Record<PersonFamily, readonly IdKind[]> = {
  resident: ['resident', 'resident15'],
  permit: ['permit'],
  foreigner: ['foreigner2023', 'foreigner15'],
};

const FAMILY_NAMES: Record<PersonFamily, { zh: string; en: string }> = {
  resident: { zh: '居民身份证', en: 'resident ID' },
  permit: { zh: '港澳台居民居住证', en: 'residence permit' },
  foreigner: { zh: '外国人永久居留身份证', en: 'foreigner permanent residence ID' },
};

function familyOfKind(kind: IdKind): PersonFamily | undefined {
  if (kind === 'resident' || kind === 'resident15') return 'resident';
  if (kind === 'permit') return 'permit';
  if (kind === 'foreigner2023' || kind === 'foreigner15') return 'foreigner';
  return undefined;
}

/**
 * ID number of one party, compared with the party's own gender and birth date (002 §3.6:
 * "性别、出生日期与身份证号码无逻辑错误"). A mismatch is an error: the regulation says automatic
 * underwriting must not pass.
 */
/**
 * The field names of each party, written out: a name built per call (`${party}_gender`) is a new
 * string that V8 must look up in its string table before it can serve as a key, every time.
 */
const PARTY_FIELDS = {
  holder: {
    number: 'holder_id_number',
    gender: 'holder_gender',
    birthDate: 'holder_birth_date',
    idType: 'holder_id_type',
  },
  insured: {
    number: 'insured_id_number',
    gender: 'insured_gender',
    birthDate: 'insured_birth_date',
    idType: 'insured_id_type',
  },
} as const;

function checkPartyId(
  record: CustomerRecord,
  party: 'holder' | 'insured',
  today: string | undefined,
  profile: Profile,
  out: { findings: Finding[]; normalized: NormalizedRecord; ids: RecordResult['ids'] },
): void {
  const fields = PARTY_FIELDS[party];
  const numberField = fields.number;
  const value = presentValue(record[numberField]);
  const gender = parseGender(record[fields.gender]);
  const birthDate = parseDate(record[fields.birthDate]);
  if (gender !== undefined) out.normalized[fields.gender] = gender;
  if (birthDate !== undefined) out.normalized[fields.birthDate] = birthDate;
  if (value === undefined) return;
  // An organisation holder (单位) without an ID type: its number is its credit code.
  const family =
    party === 'holder' && presentValue(record[fields.idType]) === undefined && isOrganisation(record)
      ? 'organisation'
      : idFamilyOf(record[fields.idType]);
  if (family === 'organisation') {
    const code = validateCreditCode(value);
    pushWithField(out.findings, code.findings, numberField);
    out.normalized[numberField] = code.normalized ?? foldCompact(value).toUpperCase();
    return;
  }
  if (family === 'other' || family === 'unknown') {
    const folded = foldCompact(value).toUpperCase();
    out.normalized[numberField] = folded;
    const checked = ID18_FORM.test(folded);
    if (family === 'unknown') reportUnknownIdType(record, fields.idType, checked, profile, out.findings);
    if (!checked) {
      // Excel's scientific notation lost the digits of whatever document it was.
      if (isExcelScientific(folded))
        pushWithField(
          out.findings,
          parseIdNumber(folded, today === undefined ? undefined : { today }).findings,
          numberField,
        );
      return;
    }
  }
  const parsed = parseIdNumber(value, today === undefined ? undefined : { today });
  out.ids[party] = parsed;
  pushWithField(out.findings, parsed.findings, numberField);
  const normalized = parsed.normalized ?? foldCompact(value).toUpperCase();
  out.normalized[numberField] = normalized;
  if (parsed.kind === 'unknown') return;
  const detected = familyOfKind(parsed.kind);
  // Under a type that names no document, the unknown type is the finding: no second warning.
  const wrongFamily =
    detected !== undefined &&
    family !== 'unknown' &&
    (family === 'other' || !FAMILY_KINDS[family].includes(parsed.kind));
  const wrongGender = gender !== undefined && parsed.gender !== undefined && gender !== parsed.gender;
  const wrongBirth = birthDate !== undefined && birthDatesDisagree(parsed, birthDate);
  // The clean record, by far the most common, builds no message.
  if (!wrongFamily && !wrongGender && !wrongBirth) return;
  const masked = maskIdNumber(normalized);
  const label = labelOf(numberField, profile);
  if (detected !== undefined && wrongFamily) {
    const declared = family === 'other' ? otherDocumentName(record[fields.idType]) : FAMILY_NAMES[family];
    const actual = FAMILY_NAMES[detected];
    out.findings.push({
      ...makeFinding(
        'ID_FORMAT',
        'warning',
        `${label.zh}的证件类型为${declared.zh}，但号码是${actual.zh}的格式`,
        `${label.en}: the ID type says ${declared.en} but the number has the form of a ${actual.en}`,
        masked,
      ),
      field: numberField,
    });
  }
  if (wrongGender) {
    out.findings.push({
      ...makeFinding(
        'ID_GENDER_MISMATCH',
        'error',
        `${labelOf(fields.gender, profile).zh}与证件号码的性别（第17位奇男偶女）不符`,
        `${labelOf(fields.gender, profile).en} disagrees with the ID number (17th digit odd male, even female)`,
        masked,
      ),
      field: fields.gender,
      maskedField: numberField,
    });
  }
  if (wrongBirth) {
    out.findings.push({
      ...makeFinding(
        'ID_BIRTHDATE_MISMATCH',
        'error',
        `${labelOf(fields.birthDate, profile).zh}与证件号码中的出生日期不符`,
        `${labelOf(fields.birthDate, profile).en} disagrees with the birth date in the ID number`,
        masked,
      ),
      field: fields.birthDate,
      maskedField: numberField,
    });
  }
}

/** The label of a named document (`other`), as written, for reasons: 护照. */
function otherDocumentName(idType: string | undefined): { zh: string; en: string } {
  const name = nfkc(presentValue(idType) ?? '');
  return { zh: name, en: name };
}

/**
 * ID_FORMAT warning on the ID type field: the type names no document, so the number cannot be
 * checked against its document's rule (002 §3.6) unless it has the 18-character form, which is
 * then checked. The type is shown (it is not personal data), unless it looks like a number of a
 * person (a phone or an ID in the wrong column), which is masked.
 */
function reportUnknownIdType(
  record: CustomerRecord,
  typeField: string,
  checked: boolean,
  profile: Profile,
  findings: Finding[],
): void {
  const type = nfkc(presentValue(record[typeField]) ?? '');
  const shown = NUMBER_LIKE.test(type) ? maskIdNumber(type) : type;
  const label = labelOf(typeField, profile);
  findings.push({
    ...makeFinding(
      'ID_FORMAT',
      'warning',
      checked
        ? `${label.zh}“${shown}”不是可识别的证件类型（应为居民身份证、港澳台居民居住证、外国人永久居留身份证、护照等证件名称）；号码具有18位证件号码的格式，已按其格式校验`
        : `${label.zh}“${shown}”不是可识别的证件类型（应为居民身份证、港澳台居民居住证、外国人永久居留身份证、护照等证件名称），证件号码无法校验`,
      checked
        ? `${label.en} "${shown}" is not a known ID type (expected a document name: 居民身份证, 港澳台居民居住证, 外国人永久居留身份证, 护照, ...); the number has the 18-character ID form and was checked as such`
        : `${label.en} "${shown}" is not a known ID type (expected a document name: 居民身份证, 港澳台居民居住证, 外国人永久居留身份证, 护照, ...); the ID number cannot be checked`,
      shown,
    ),
    field: typeField,
  });
}

/** An old foreigner ID only carries YYMMDD: compare that much. */
function birthDatesDisagree(parsed: IdParseResult, birthDate: string): boolean {
  if (parsed.birthDate !== undefined) return parsed.birthDate !== birthDate;
  if (parsed.kind === 'foreigner15' && parsed.normalized !== undefined) {
    const yymmdd = birthDate.slice(2, 4) + birthDate.slice(5, 7) + birthDate.slice(8, 10);
    return parsed.normalized.slice(7, 13) !== yymmdd;
  }
  return false;
}

function checkPhoneField(
  record: CustomerRecord,
  field: 'holder_phone' | 'service_number',
  out: { findings: Finding[]; normalized: NormalizedRecord },
): void {
  const value = presentValue(record[field]);
  if (value === undefined) return;
  const phone = validatePhone(value);
  pushWithField(out.findings, phone.findings, field);
  if (phone.normalized !== undefined) out.normalized[field] = phone.normalized;
  if (field === 'service_number' && phone.kind !== 'unknown') out.normalized.service_number_kind = phone.kind;
}

/**
 * BANK_ACCOUNT_HOLDER_MISMATCH (002 §3.11: "严禁……以其他账户缴纳保费"): the name on the account,
 * when given, must be the holder's after folding (NFKC, spaces, middle dots, Latin case). A
 * warning, not an error: an account of a relative may be legitimate with an authorisation, and
 * the flag asks for exactly that review.
 */
function checkAccountHolder(
  record: CustomerRecord,
  profile: Profile,
  out: { findings: Finding[]; normalized: NormalizedRecord },
): void {
  const accountName = presentValue(record['bank_account_name']);
  const holderName = presentValue(record['holder_name']);
  if (holderName !== undefined) out.normalized.holder_name = foldName(holderName);
  const insuredName = presentValue(record['insured_name']);
  if (insuredName !== undefined) out.normalized.insured_name = foldName(insuredName);
  if (accountName === undefined) return;
  out.normalized.bank_account_name = foldName(accountName);
  if (holderName === undefined || out.normalized.bank_account_name === out.normalized.holder_name) return;
  // The profile's word for the holder: a telecom's subscriber is 机主, not 投保人.
  const holder = labelOf('holder_name', profile);
  out.findings.push({
    ...makeFinding(
      'BANK_ACCOUNT_HOLDER_MISMATCH',
      'warning',
      `缴费账户的户名与${holder.zh}不一致`,
      `the name on the paying account differs from the ${holder.en}`,
      maskName(accountName),
    ),
    field: 'bank_account_name',
  });
}

/**
 * CONSENT_MISSING (000 "电信信息管理制度" §4; 001 §3.1.1: information is collected only with the
 * customer's consent). A consent field saying no (否/N/false/0/不同意) is an error. A value that
 * cannot be read is an `info` finding. An absent field means "not recorded" (formats.md): no
 * finding, unless the profile sets `reportUnrecordedConsent`, then an `info` finding.
 */
function checkConsent(
  record: CustomerRecord,
  profile: Profile,
  out: { findings: Finding[]; normalized: NormalizedRecord },
): void {
  const raw = presentValue(record['consent']);
  const consent = parseConsent(raw);
  if (consent !== undefined) out.normalized.consent = consent;
  let finding: Finding | undefined;
  if (consent === false) {
    finding = makeFinding(
      'CONSENT_MISSING',
      'error',
      '客户未同意采集个人信息',
      'the customer did not consent to the collection',
    );
  } else if (consent === undefined && raw !== undefined) {
    finding = makeFinding(
      'CONSENT_MISSING',
      'info',
      '同意采集字段的值无法识别（应为是/否、Y/N、true/false）',
      'the consent value is not understood (expected 是/否, Y/N, true/false)',
    );
  } else if (raw === undefined && profile.reportUnrecordedConsent) {
    finding = makeFinding('CONSENT_MISSING', 'info', '未记录客户是否同意采集', 'consent is not recorded');
  }
  if (finding !== undefined) out.findings.push({ ...finding, field: 'consent' });
}

function resolveProfile(profile: Profile | string | undefined): Profile {
  if (profile === undefined) return profiles['insurance']!;
  if (typeof profile !== 'string') return profile;
  const found = profiles[profile];
  if (found === undefined) {
    throw new RangeError(
      `unknown validation profile ${JSON.stringify(profile)}; known: ${Object.keys(profiles).join(', ')}`,
    );
  }
  return found;
}

/**
 * Runs every single-record rule on a customer record (canonical field names of formats.md,
 * values strings or undefined): mandatory fields of the profile, ID numbers of holder and
 * insured with their gender and birth date, phones (holder_phone, service_number), the bank
 * account and its holder name, consent.
 *
 * Never throws on bad data.
 * @throws RangeError when `opts.profile` names no built-in profile or `opts.today` is not a date.
 */
export function validateRecord(record: CustomerRecord, opts: ValidateRecordOptions = {}): RecordResult {
  const profile = resolveProfile(opts.profile);
  const out = {
    findings: checkRequiredFields(record, profile, opts.today === undefined ? {} : { today: opts.today }),
    normalized: {} as NormalizedRecord,
    ids: {} as RecordResult['ids'],
  };
  checkPartyId(record, 'holder', opts.today, profile, out);
  checkPartyId(record, 'insured', opts.today, profile, out);
  checkPhoneField(record, 'holder_phone', out);
  checkPhoneField(record, 'service_number', out);
  const account = presentValue(record['bank_account']);
  if (account !== undefined) {
    const bank = validateBankAccount(account);
    pushWithField(out.findings, bank.findings, 'bank_account');
    if (bank.normalized !== undefined) out.normalized.bank_account = bank.normalized;
  }
  checkAccountHolder(record, profile, out);
  checkConsent(record, profile, out);
  const sign = parseDate(record[profile.signDateField]);
  if (sign !== undefined) out.normalized.sign_date = sign;
  return { ok: hasNoError(out.findings), ...out };
}
