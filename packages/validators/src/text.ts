// Text folding shared by the validators (formats.md "Inputs": values are trimmed, full-width
// digits and letters are folded to half-width).

/** Whitespace of any kind (including U+3000, the ideographic space) and the dash family. */
const SEPARATORS = /[\s\u2010-\u2015\u2212\u30fc-]+/g;
/**
 * A character outside printable ASCII and the CJK unified ideographs (U+4E00–U+9FFF and
 * extension A, U+3400–U+4DBF). Those have no decomposition, combining class 0 and never compose
 * with a neighbour, so NFKC leaves a string made only of them unchanged: only other strings need
 * the (slow) NFKC pass. Full-width forms, the ideographic space, compatibility ideographs, kana
 * and everything else go through `normalize`.
 */
const NFKC_UNSAFE = /[^\x20-\x7e\u3400-\u4dbf\u4e00-\u9fff]/;

/** `value.normalize('NFKC')`, without the call for the plain ASCII and Chinese text of most fields. */
export function nfkc(value: string): string {
  return NFKC_UNSAFE.test(value) ? value.normalize('NFKC') : value;
}

/**
 * NFKC-folds `value` (full-width `１２Ｘ` becomes `12X`). NFKC is skipped for plain ASCII and
 * Chinese text, where it is the identity, because it dominates the cost of validating a clean
 * value.
 */
export function foldWidth(value: string): string {
  return nfkc(value);
}

/** NFKC-folds `value` and removes every space and hyphen (`" 110105 1949-1231 002x "`). */
export function foldCompact(value: string): string {
  return foldWidth(value).replace(SEPARATORS, '');
}

/**
 * A character `foldName` may change: anything but printable ASCII other than space, `.` and
 * a-z, and the CJK ideographs. A name without one (a Chinese name, as a rule) is already folded.
 */
const NAME_CHANGES = /[^\x21-\x2d\x2f-\x60\x7b-\x7e\u3400-\u4dbf\u4e00-\u9fff]/;

/**
 * Folds a personal name for comparison: NFKC, no whitespace, one middle dot for the several
 * used in transliterated minority and foreign names (`·`, `•`, `・`, `.`), Latin letters in
 * upper case.
 */
export function foldName(value: string): string {
  if (!NAME_CHANGES.test(value)) return value;
  return nfkc(value)
    .replace(/\s+/g, '')
    .replace(/[\u00b7\u2022\u30fb\u2027\u22c5.]/g, '·')
    .toUpperCase();
}

/**
 * Excel's General format for a number of more than 11 digits, as it reaches a CSV: one digit, an
 * optional fraction, `E`, the exponent (`3.30921E+17`, `1.70123E+10`, `6E+18`).
 */
const EXCEL_SCIENTIFIC = /^\d(?:\.\d+)?E\+?\d{1,3}$/i;

/**
 * True when a (folded) value is a number Excel wrote in scientific notation: an ID number, phone
 * or account kept as a number in the workbook, whose digits past the sixth or so were lost when it
 * was saved. The only cure is the source exported with the column as text.
 */
export function isExcelScientific(value: string): boolean {
  return EXCEL_SCIENTIFIC.test(value);
}

/** The value trimmed, or `undefined` when absent: formats.md says an empty string means absent. */
export function presentValue(value: string | undefined | null): string | undefined {
  if (value === undefined || value === null) return undefined;
  const trimmed = String(value).trim();
  return trimmed === '' ? undefined : trimmed;
}
