// Display masks (rulebook §5: "Reports and review lists show masked personal data (ID
// 110101********1234, phone 138****8000, bank account ************5678)"). Pure functions; the
// masked string keeps the length of the input so that a reviewer can still see a length error.
// Masks count code points, not UTF-16 units, so a name with a supplementary-plane character
// (e.g. 𠈌) is not cut in half.

const SURROGATE = /[\ud800-\udfff]/;

function keepEnds(value: string, head: number, tail: number): string {
  if (SURROGATE.test(value)) {
    const chars = Array.from(value);
    const n = chars.length;
    if (head + tail >= n) return '*'.repeat(n);
    return chars.slice(0, head).join('') + '*'.repeat(n - head - tail) + chars.slice(n - tail).join('');
  }
  const n = value.length;
  if (head + tail >= n) return '*'.repeat(n);
  return value.slice(0, head) + '*'.repeat(n - head - tail) + value.slice(n - tail);
}

/**
 * ID number, or the number of another identity document (passport, HK/Macau/Taiwan permit).
 * The rulebook's mask, `110101********1234`, shows 10 of 18 characters and none of the birth
 * date (characters 7-14); no other length may show a larger share or a birth-date digit:
 *
 * - 15 characters and more keep the region (first 6) and at most 10/18 of the length, the rest at
 *   the end (at most 4): 15 and 16 keep 6 + 2, 17 keeps 6 + 3, 18 and longer 6 + 4. A 15-digit
 *   ID's birth date (7-12) and characters 7-14 of any longer value, where an 18-digit ID short of
 *   a digit has its birth date, are always hidden.
 * - 8 to 14 characters (passports, permits) show a third at most: the last 2, and the first 1
 *   from 9 characters, the first 2 from 12 (`H********01`, `E******78`, `******78`). Their
 *   first characters say which document it is, not whose.
 * - Fewer than 8 characters is no document number of any kind: nothing is shown.
 *
 * Stored masks (holder_id_masked) are written at ingestion, so records ingested before a change
 * of this rule keep the mask they were given.
 */
export function maskIdNumber(value: string): string {
  const n = SURROGATE.test(value) ? Array.from(value).length : value.length;
  if (n >= 15) return keepEnds(value, 6, Math.min(4, Math.floor((n * 10) / 18) - 6));
  if (n >= 8) return keepEnds(value, Math.floor(n / 3) - 2, 2);
  return '*'.repeat(n);
}

/**
 * A number that is not a landline (no leading 0) hides at least four digits: the 3 + 4 kept of an
 * 11-digit mobile would leave only three hidden in a 10-digit one (`139 ***4 567`, seven of ten
 * shown). A landline keeps its area code, which says only where the line is.
 */
function hideAtLeastFour(landline: boolean, digits: number, head: number, tail: number): number {
  if (landline || digits - head - tail >= 4) return head;
  return Math.max(0, digits - tail - 4);
}

/**
 * Phone: an 11-digit mobile keeps its 3-digit segment and last 4 digits, `138****8000`. Other
 * forms (landline `0755-6226567`, with or without separators) keep the area code, when the value
 * starts with one, and the last 4 digits; separators stay in place.
 */
export function maskPhone(value: string): string {
  if (SURROGATE.test(value)) return maskPhoneCodePoints(value);
  // Without surrogate pairs, code units are code points: no array of characters needed.
  const n = value.length;
  let digits = 0;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
  }
  let head = 3;
  if (value.charCodeAt(0) === 48) {
    const second = value.charCodeAt(1);
    head = second === 49 || second === 50 ? 3 : 4;
  }
  if (head + 4 >= digits) head = Math.max(0, digits - 4 - Math.ceil(digits / 2));
  const tail = Math.min(4, Math.floor(digits / 2));
  head = hideAtLeastFour(value.charCodeAt(0) === 48, digits, head, tail);
  const end = digits - tail;
  if (head >= end) return value;
  // Copy runs between the masked digits (digits number `head` to `end - 1`).
  let out = '';
  let k = 0;
  let from = 0;
  for (let i = 0; i < n && k < end; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) continue;
    if (k >= head) {
      out += `${value.slice(from, i)}*`;
      from = i + 1;
    }
    k++;
  }
  return out + value.slice(from);
}

function maskPhoneCodePoints(value: string): string {
  const chars = Array.from(value);
  const digitPositions: number[] = [];
  for (let i = 0; i < chars.length; i++) if (/[0-9]/.test(chars[i]!)) digitPositions.push(i);
  const digits = digitPositions.length;
  let head = 3;
  if (chars[0] === '0') head = chars[1] === '1' || chars[1] === '2' ? 3 : 4;
  if (head + 4 >= digits) head = Math.max(0, digits - 4 - Math.ceil(digits / 2));
  const tail = Math.min(4, Math.floor(digits / 2));
  head = hideAtLeastFour(chars[0] === '0', digits, head, tail);
  digitPositions.forEach((pos, k) => {
    if (k >= head && k < digits - tail) chars[pos] = '*';
  });
  return chars.join('');
}

/** Bank account: every character but the last 4 as `*`, `************5678`. */
export function maskBankAccount(value: string): string {
  return keepEnds(value, 0, 4);
}

/** Name: `张*` for two characters, first and last kept for three or more (`张*明`), `*` for one. */
/** A date in full: a birth date is the middle of the ID number, which every mask hides. */
export function maskDate(value: string): string {
  return value.replace(/\d/g, '*');
}

export function maskName(value: string): string {
  const trimmed = value.trim();
  if (!SURROGATE.test(trimmed)) {
    const n = trimmed.length;
    if (n <= 1) return '*'.repeat(n);
    if (n === 2) return `${trimmed[0]}*`;
    return `${trimmed[0]}${'*'.repeat(n - 2)}${trimmed[n - 1]}`;
  }
  const chars = Array.from(trimmed);
  if (chars.length <= 1) return '*'.repeat(chars.length);
  if (chars.length === 2) return chars[0] + '*';
  return keepEnds(trimmed, 1, 1);
}

/**
 * Address: the first 6 characters (province and city, usually) then `***`. A shorter address
 * keeps only its first half, so that a short address is never shown whole.
 */
export function maskAddress(value: string): string {
  const trimmed = value.trim();
  if (!SURROGATE.test(trimmed)) {
    const n = trimmed.length;
    return `${trimmed.slice(0, n > 6 ? 6 : Math.floor(n / 2))}***`;
  }
  const chars = Array.from(trimmed);
  const keep = chars.length > 6 ? 6 : Math.floor(chars.length / 2);
  return chars.slice(0, keep).join('') + '***';
}
