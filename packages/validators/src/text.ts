// Text folding shared by the validators (formats.md "Inputs": values are trimmed, full-width
// digits and letters are folded to half-width).

/** Whitespace of any kind (including U+3000, the ideographic space) and the dash family. */
const SEPARATORS = /[\s\u2010-\u2015\u2212\u30fc-]+/g;
/** Any character outside printable ASCII: only such strings need the (slow) NFKC pass. */
const NON_ASCII = /[^\x20-\x7e]/;

/**
 * NFKC-folds `value` (full-width `１２Ｘ` becomes `12X`) when it holds non-ASCII characters.
 * NFKC is skipped for plain ASCII, where it is the identity, because it dominates the cost of
 * validating a clean value.
 */
export function foldWidth(value: string): string {
  return NON_ASCII.test(value) ? value.normalize('NFKC') : value;
}

/** NFKC-folds `value` and removes every space and hyphen (`" 110105 1949-1231 002x "`). */
export function foldCompact(value: string): string {
  return foldWidth(value).replace(SEPARATORS, '');
}

/**
 * Folds a personal name for comparison: NFKC, no whitespace, one middle dot for the several
 * used in transliterated minority and foreign names (`·`, `•`, `・`, `.`), Latin letters in
 * upper case.
 */
export function foldName(value: string): string {
  return value
    .normalize('NFKC')
    .replace(/\s+/g, '')
    .replace(/[\u00b7\u2022\u30fb\u2027\u22c5.]/g, '·')
    .toUpperCase();
}

/** The value trimmed, or `undefined` when absent: formats.md says an empty string means absent. */
export function presentValue(value: string | undefined | null): string | undefined {
  if (value === undefined || value === null) return undefined;
  const trimmed = String(value).trim();
  return trimmed === '' ? undefined : trimmed;
}
