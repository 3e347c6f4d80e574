/**
 * Writes `text` as UTF-8 into `out` from `at`; returns the end. Lone surrogates become U+FFFD
 * (EF BF BD), as in Node's own string encoding (`Buffer.from(text)`, `hash.update(text)`).
 * `out` must have room for 3 bytes per UTF-16 unit of `text`: no bounds are checked. For short
 * texts on hot paths, where a call into C++ per value costs more than the encoding.
 */
export function encodeUtf8Into(text: string, out: Uint8Array, at: number): number {
  let n = at;
  const len = text.length;
  for (let i = 0; i < len; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
    } else if (c < 0x800) {
      out[n++] = 0xc0 | (c >>> 6);
      out[n++] = 0x80 | (c & 0x3f);
    } else if (c < 0xd800 || c >= 0xe000) {
      out[n++] = 0xe0 | (c >>> 12);
      out[n++] = 0x80 | ((c >>> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    } else {
      const d = i + 1 < len ? text.charCodeAt(i + 1) : 0;
      if (c < 0xdc00 && d >= 0xdc00 && d < 0xe000) {
        i++;
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        out[n++] = 0xf0 | (c >>> 18);
        out[n++] = 0x80 | ((c >>> 12) & 0x3f);
        out[n++] = 0x80 | ((c >>> 6) & 0x3f);
        out[n++] = 0x80 | (c & 0x3f);
      } else {
        out[n++] = 0xef;
        out[n++] = 0xbf;
        out[n++] = 0xbd;
      }
    }
  }
  return n;
}
