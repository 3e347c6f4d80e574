// The unified social credit code (统一社会信用代码) of an organisation, GB 32100-2015: the ID
// number of a customer that is an organisation (单位). 18 characters from the code's alphabet
// (digits and the capitals without I, O, S, V, Z): the registration authority, the kind of
// organisation, the 6-digit administrative region, the 9-character organisation code, and a check
// character (weighted sum mod 31). Rule codes ID_FORMAT and ID_CHECKSUM, as for a person's ID.

import { type Finding, makeFinding } from './findings.js';
import { maskIdNumber } from './masking.js';
import { foldWidth } from './text.js';

/** The code's alphabet; a character's value is its index. */
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
/** Weight of each of the first 17 characters (3^i mod 31). */
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
/** Registration authority (1-9, A-G, Y), kind (any of the alphabet), region (6 digits), organisation code, check. */
const FORM = /^[1-9A-GY][0-9A-HJ-NP-RTUW-Y]\d{6}[0-9A-HJ-NP-RTUW-Y]{10}$/;

export interface CreditCodeResult {
  ok: boolean;
  /** The 18 characters, upper case, without spaces (when its form is right). */
  normalized?: string;
  findings: Finding[];
}

/** The check character of the first 17 characters of a code of the right form. */
export function creditCodeCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += ALPHABET.indexOf(first17[i]!) * WEIGHTS[i]!;
  return ALPHABET[(31 - (sum % 31)) % 31]!;
}

/** Validates an organisation's unified social credit code. Never throws. */
export function validateCreditCode(input: string): CreditCodeResult {
  const code = foldWidth(String(input))
    .replace(/[\s-]+/g, '')
    .toUpperCase();
  const masked = maskIdNumber(code);
  if (!FORM.test(code)) {
    return {
      ok: false,
      findings: [
        makeFinding(
          'ID_FORMAT',
          'error',
          code.length === 18
            ? '统一社会信用代码不符合编码规则（GB 32100-2015：登记管理部门码、机构类别码、6位行政区划码、9位组织机构代码、校验码；字母不用I、O、S、V、Z）'
            : `统一社会信用代码应为18位，实为${code.length}位`,
          code.length === 18
            ? 'unified social credit code does not follow GB 32100-2015 (authority, kind, 6-digit region, 9-character organisation code, check character; no I, O, S, V, Z)'
            : `a unified social credit code has 18 characters, this one ${code.length}`,
          masked,
        ),
      ],
    };
  }
  if (creditCodeCheckChar(code) !== code[17]) {
    return {
      ok: false,
      normalized: code,
      findings: [
        makeFinding(
          'ID_CHECKSUM',
          'error',
          '统一社会信用代码校验码错误（GB 32100-2015）',
          'unified social credit code check character is wrong (GB 32100-2015)',
          masked,
        ),
      ],
    };
  }
  return { ok: true, normalized: code, findings: [] };
}
