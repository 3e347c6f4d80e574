// The finding: what every validator returns instead of throwing. One shape for single-record
// rules (this package) and archive-wide rules (DUP_*, ID_CONFLICT, ... computed by the ingest),
// so that the flags table and its export (formats.md "Flags export") stay uniform.

/** Rule codes of rulebook.md §1. */
export const RULE_CODES = [
  'MISSING_REQUIRED',
  'ID_FORMAT',
  'ID_REGION',
  'ID_BIRTHDATE',
  'ID_CHECKSUM',
  'ID_GENDER_MISMATCH',
  'ID_BIRTHDATE_MISMATCH',
  'DUP_PHONE',
  'DUP_BANK_ACCOUNT',
  'AGENT_CONTACT_SUBSTITUTION',
  'BANK_ACCOUNT_HOLDER_MISMATCH',
  'CONSENT_MISSING',
  'PHONE_FORMAT',
  'PHONE_PLACEHOLDER',
  'BANK_ACCOUNT_FORMAT',
  'BANK_ACCOUNT_LUHN',
  'ID_CONFLICT',
  'ID_LINE_LIMIT',
  'AGENT_RECHECK',
] as const;

export type RuleCode = (typeof RULE_CODES)[number];

/** `error` rejects the value; `warning` keeps it but asks for review; `info` is for reports only. */
export const SEVERITIES = ['error', 'warning', 'info'] as const;

export type Severity = (typeof SEVERITIES)[number];

/**
 * One problem found in one value or record. Carries masked values only (rulebook §1: "masked
 * values only"; §5: reports and review lists show masked personal data).
 */
export interface Finding {
  rule: RuleCode;
  severity: Severity;
  /** Canonical field name (formats.md) the finding is about, when it is about one field. */
  field?: string;
  reasonZh: string;
  reasonEn: string;
  maskedValue?: string;
  /**
   * The field `maskedValue` is a value of, when not `field`: a gender or birth date that disagrees
   * with the ID number is shown with the (masked) ID number, not under the gender's name.
   */
  maskedField?: string;
}

/** Builds a finding; omits `maskedValue` when none is given so results compare cleanly. */
export function makeFinding(
  rule: RuleCode,
  severity: Severity,
  reasonZh: string,
  reasonEn: string,
  maskedValue?: string,
): Finding {
  return maskedValue === undefined
    ? { rule, severity, reasonZh, reasonEn }
    : { rule, severity, reasonZh, reasonEn, maskedValue };
}

/** True when no finding has severity `error`: the meaning of every `ok` in this package. */
export function hasNoError(findings: readonly Finding[]): boolean {
  for (const f of findings) if (f.severity === 'error') return false;
  return true;
}

/** Returns copies of the findings with `field` set, for validators that do not know their field. */
export function withField(findings: readonly Finding[], field: string): Finding[] {
  return findings.map((f) => ({ ...f, field }));
}
