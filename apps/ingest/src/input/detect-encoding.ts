/**
 * Encoding of a Chinese business-system export (formats.md): a BOM decides; else a sample that is
 * UTF-8 is UTF-8; else GB18030 (a superset of GBK, which must never be used to decode: it garbles
 * four-byte characters). chardet was measured to misread short GBK rows.
 *
 * "Is UTF-8" tolerates a few bad bytes: one corrupted character must cost its row (quarantined as
 * undecodable), not turn the whole file into GB18030 mojibake with every row quarantined. GBK text
 * read as UTF-8 is mostly invalid: a GBK character makes a valid UTF-8 sequence only by accident
 * (lead 0xC2–0xDF with a trail 0xA1–0xBF, or three bytes in the 0xE0–0xEF, 0x80–0xBF ranges: about
 * one Chinese character in six), so such a file has several invalid sequences per valid one, while
 * a damaged UTF-8 file has one per hundreds. The threshold sits far from both.
 */
export type TextEncodingName = 'utf-8' | 'gb18030' | 'utf-16le' | 'utf-16be';

/** Valid multi-byte UTF-8 sequences needed per invalid one for a sample to be read as UTF-8. */
const VALID_PER_INVALID = 20;

export function detectEncoding(sample: Uint8Array): { encoding: TextEncodingName; bomLength: number } {
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf)
    return { encoding: 'utf-8', bomLength: 3 };
  if (sample[0] === 0xff && sample[1] === 0xfe) return { encoding: 'utf-16le', bomLength: 2 };
  if (sample[0] === 0xfe && sample[1] === 0xff) return { encoding: 'utf-16be', bomLength: 2 };
  try {
    // The common case, natively. stream: true, so that a character cut at the end of the sample
    // is not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true });
    return { encoding: 'utf-8', bomLength: 0 };
  } catch {
    // Not strictly UTF-8: count how far from it.
  }
  const { valid, invalid } = countUtf8Sequences(sample);
  const utf8 = invalid === 0 || valid >= VALID_PER_INVALID * invalid;
  return { encoding: utf8 ? 'utf-8' : 'gb18030', bomLength: 0 };
}

/**
 * Multi-byte UTF-8 sequences in `bytes` that are well formed (Unicode table 3-7: no overlongs, no
 * surrogates, nothing above U+10FFFF), and bytes where no well-formed sequence starts. A sequence
 * cut by the end of the sample counts as neither.
 */
export function countUtf8Sequences(bytes: Uint8Array): { valid: number; invalid: number } {
  let valid = 0;
  let invalid = 0;
  const n = bytes.length;
  const cont = (i: number, lo = 0x80, hi = 0xbf) => i >= n || (bytes[i]! >= lo && bytes[i]! <= hi);
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let len = 0;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) len = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      len = 3;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      len = 4;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    }
    let ok = len > 0 && cont(i + 1, lo, hi);
    for (let k = 2; ok && k < len; k++) ok = cont(i + k);
    if (!ok) {
      invalid++;
      i++;
    } else if (i + len > n) break;
    else {
      valid++;
      i += len;
    }
  }
  return { valid, invalid };
}
