// @custodian/validators: pure validation of customer records (rulebook §1). No I/O at call
// time; the GB/T 2260 timeline is read once when the package is imported.

export { type BankKind, type BankResult, passesLuhn, validateBankAccount } from './bank-account.js';
export { type CreditCodeResult, creditCodeCheckChar, validateCreditCode } from './credit-code.js';
export { CUSTOMER_FIELDS, type CustomerField } from './customer-fields.js';
export {
  civilFromDays,
  daysFromCivil,
  excelSerialToDate,
  formatYmd,
  isLeapYear,
  isRealDate,
  parseDate,
  todayInShanghai,
} from './dates.js';
export { parseConsent, parseGender } from './field-values.js';
export {
  type Finding,
  hasNoError,
  RULE_CODES,
  type RuleCode,
  SEVERITIES,
  type Severity,
} from './findings.js';
export {
  countyCodes,
  IN_FORCE,
  isKnownRegion,
  isProvincePrefix,
  PERMIT_REGION_CODES,
  REPORTED_MISSING_CODES,
  type RegionPeriod,
  regionLastYear,
  regionName,
  regionPeriods,
} from './gb2260.js';
export {
  type Gender,
  type IdKind,
  type IdOptions,
  type IdParseResult,
  idCheckChar,
  isValidIdNumber,
  MIN_BIRTH_YEAR,
  normalizeIdNumber,
  parseIdNumber,
} from './id-number.js';
export {
  DEFAULT_LINE_LIMIT,
  findLineLimitViolations,
  type LineEntry,
  type LineLimitViolation,
} from './line-limit.js';
export { maskAddress, maskBankAccount, maskDate, maskIdNumber, maskName, maskPhone } from './masking.js';
export { type PhoneKind, type PhoneResult, validatePhone } from './phone.js';
export {
  IOT_PREFIXES,
  MOBILE_SEGMENTS,
  type MobileSegment,
  PLACEHOLDER_NUMBERS,
  type SegmentUse,
} from './phone-segments.js';
export {
  idFamilyOf,
  type NormalizedRecord,
  type RecordResult,
  type ValidateRecordOptions,
  validateRecord,
} from './record.js';
export {
  type CustomerRecord,
  checkRequiredFields,
  FIELD_LABELS,
  type FieldLabel,
  isMinorOn,
  isOrganisation,
  type PartialParty,
  type PartyRequirements,
  type Profile,
  partialParties,
  profiles,
  type RequiredField,
  type RequiredFieldsOptions,
  requiredColumns,
} from './required-fields.js';
export { nfkc } from './text.js';
