// Bank accounts (002 §3.3: "银行账号……真实有效"). Bank cards (ISO/IEC 7812: 13-19 digits, Luhn
// check digit) and settlement accounts (单位/个人结算账户: 10-30 digits, bank-specific layout, no
// check digit that can be verified outside the bank). Rule codes BANK_ACCOUNT_FORMAT and
// BANK_ACCOUNT_LUHN.

import { type Finding, hasNoError, makeFinding } from './findings.js';
import { maskBankAccount } from './masking.js';
import { foldCompact, isExcelScientific } from './text.js';

export type BankKind = 'card' | 'settlement' | 'unknown';

export interface BankResult {
  ok: boolean;
  kind: BankKind;
  /** The digits only; present whenever the input is all digits. */
  normalized?: string;
  findings: Finding[];
}

/** True when the digit string passes the Luhn (mod 10) check. Assumes ASCII digits. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * A card number: 13 to 19 digits whose major industry identifier (first digit) is 3 to 6:
 * UnionPay 62, Visa 4, Mastercard 5, JCB and American Express 3. Anything else of 10 to 30
 * digits is read as a settlement account: those start with any digit (0406... is a valid one)
 * and carry no public check digit. A settlement account that happens to look like a card and
 * fails Luhn only gets a warning, which is why a Luhn failure is never an error.
 */
function kindOf(digits: string): BankKind {
  const first = digits.charCodeAt(0) - 48;
  if (digits.length >= 13 && digits.length <= 19 && first >= 3 && first <= 6) return 'card';
  if (digits.length >= 10 && digits.length <= 30) return 'settlement';
  return 'unknown';
}

/**
 * Validates a bank card or settlement account number written with optional spaces or hyphens
 * (full-width digits folded). Never throws.
 */
export function validateBankAccount(input: string): BankResult {
  if (typeof input !== 'string') {
    return {
      ok: false,
      kind: 'unknown',
      findings: [
        makeFinding('BANK_ACCOUNT_FORMAT', 'error', '银行账号不是文本', 'bank account is not a string'),
      ],
    };
  }
  const s = foldCompact(input);
  if (!/^\d+$/.test(s)) {
    const lost = isExcelScientific(s);
    return {
      ok: false,
      kind: 'unknown',
      findings: [
        makeFinding(
          'BANK_ACCOUNT_FORMAT',
          'error',
          lost
            ? '银行账号为Excel科学计数法（形如d.ddddE+nn）：在Excel中以数字存储，后几位数字已丢失；请将源文件该列设为文本后重新导出'
            : '银行账号只能包含数字',
          lost
            ? 'bank account is in Excel scientific notation (d.ddddE+nn): stored as a number in Excel, its digits have been lost; export the source with the column as text'
            : 'a bank account contains digits only',
          maskBankAccount(s),
        ),
      ],
    };
  }
  const kind = kindOf(s);
  const findings: Finding[] = [];
  if (kind === 'unknown') {
    findings.push(
      makeFinding(
        'BANK_ACCOUNT_FORMAT',
        'error',
        `银行账号为${s.length}位：银行卡号应为13至19位，结算账号应为10至30位`,
        `bank account has ${s.length} digits: a card has 13 to 19, a settlement account 10 to 30`,
        maskBankAccount(s),
      ),
    );
  } else if (kind === 'card' && !passesLuhn(s)) {
    findings.push(
      makeFinding(
        'BANK_ACCOUNT_LUHN',
        'warning',
        '银行卡号未通过Luhn校验（部分真实卡号和结算账号也不通过），请核实',
        'the card number fails the Luhn check (some real cards and settlement accounts do too); please verify',
        maskBankAccount(s),
      ),
    );
  }
  return { ok: hasNoError(findings), kind, normalized: s, findings };
}
