import { createHash } from 'node:crypto';
import { encodeUtf8Into } from './utf8.js';

/**
 * HMAC-SHA256 (RFC 2104, FIPS 180-4) of short UTF-8 texts, byte for byte what
 * `createHmac('sha256', key).update(text).digest()` returns, for the ingest's hot path: seven
 * blind indexes and a fingerprint per record. `createHmac` builds a native Hmac object and hashes
 * the padded key again for every value; here the states after the key's inner and outer padded
 * blocks are computed once per key and kept, so a value costs two or three compressions of
 * plain integer arithmetic and no allocation but its result. Tested against `createHmac` over
 * random keys and texts (including Chinese, supplementary-plane and lone-surrogate strings).
 *
 * Keys are cached by identity (a WeakMap): a key buffer must not be modified after use, which
 * holds for the keyring's derived keys.
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

const INITIAL = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

const BLOCK = 64;
const W = new Int32Array(64);

/** Loads the 64 bytes of `bytes` at `at` into `W[0..15]` as big-endian words. */
function load(bytes: Uint8Array, at: number): void {
  for (let i = 0; i < 16; i++) {
    const j = at + i * 4;
    W[i] = (bytes[j]! << 24) | (bytes[j + 1]! << 16) | (bytes[j + 2]! << 8) | bytes[j + 3]!;
  }
}

/** SHA-256 compression of the block in `W[0..15]` into `state`. */
function compress(state: Int32Array): void {
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15]!;
    const w2 = W[i - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[i] = (((W[i - 16]! + s0) | 0) + ((W[i - 7]! + s1) | 0)) | 0;
  }
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  let f = state[5]!;
  let g = state[6]!;
  let h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = g ^ (e & (f ^ g));
    const t1 = (((((h + s1) | 0) + ch) | 0) + ((K[i]! + W[i]!) | 0)) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) | (c & (a | b));
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + ((s0 + maj) | 0)) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

interface KeyState {
  /** State after the block K ⊕ ipad. */
  inner: Int32Array;
  /** State after the block K ⊕ opad. */
  outer: Int32Array;
}

const keyStates = new WeakMap<Uint8Array, KeyState>();

/** The key of the last call and its states: the same key, as a rule (the index key). */
let lastKey: Uint8Array | undefined;
let lastState: KeyState | undefined;

function keyState(key: Uint8Array): KeyState {
  if (key === lastKey && lastState !== undefined) return lastState;
  let s = keyStates.get(key);
  if (s === undefined) s = computeKeyState(key);
  lastKey = key;
  lastState = s;
  return s;
}

function computeKeyState(key: Uint8Array): KeyState {
  // RFC 2104: a key longer than the block is replaced by its hash; a shorter one is zero-padded.
  const k = key.length > BLOCK ? createHash('sha256').update(key).digest() : key;
  const ipad = new Uint8Array(BLOCK).fill(0x36);
  const opad = new Uint8Array(BLOCK).fill(0x5c);
  for (let i = 0; i < k.length; i++) {
    ipad[i]! ^= k[i]!;
    opad[i]! ^= k[i]!;
  }
  const inner = INITIAL.slice();
  load(ipad, 0);
  compress(inner);
  const outer = INITIAL.slice();
  load(opad, 0);
  compress(outer);
  const s = { inner, outer };
  keyStates.set(key, s);
  return s;
}

/** Message bytes of the inner hash, padded; grown on demand. */
let buf = new Uint8Array(1024);
const state = new Int32Array(8);

/** Computes HMAC-SHA256(key, prefix ‖ text) into `state` (big-endian words). */
function run(key: Uint8Array, prefix: string, text: string): void {
  const ks = keyState(key);
  // 3 bytes per UTF-16 unit at most, plus padding (1 + 8 bytes, rounded up to a block).
  const room = 3 * (prefix.length + text.length) + 2 * BLOCK;
  if (buf.length < room) buf = new Uint8Array(room * 2);
  // A surrogate pair split between prefix and text is one character, as in `prefix + text`.
  const split =
    prefix.length > 0 &&
    (prefix.charCodeAt(prefix.length - 1) & 0xfc00) === 0xd800 &&
    (text.charCodeAt(0) & 0xfc00) === 0xdc00;
  const n = split
    ? encodeUtf8Into(prefix + text, buf, 0)
    : encodeUtf8Into(text, buf, encodeUtf8Into(prefix, buf, 0));
  // Padding: 0x80, zeros, then the length in bits of everything hashed (ipad block included).
  buf[n] = 0x80;
  const end = (((n + 8) >>> 6) + 1) << 6;
  for (let i = n + 1; i < end - 8; i++) buf[i] = 0;
  const bits = (BLOCK + n) * 8;
  const high = Math.floor(bits / 0x100000000);
  buf[end - 8] = high >>> 24;
  buf[end - 7] = high >>> 16;
  buf[end - 6] = high >>> 8;
  buf[end - 5] = high;
  buf[end - 4] = bits >>> 24;
  buf[end - 3] = bits >>> 16;
  buf[end - 2] = bits >>> 8;
  buf[end - 1] = bits;
  for (let i = 0; i < 8; i++) state[i] = ks.inner[i]!;
  for (let at = 0; at < end; at += BLOCK) {
    load(buf, at);
    compress(state);
  }
  // The outer hash's single block: the inner digest, then padding for 64 + 32 bytes.
  for (let i = 0; i < 8; i++) {
    W[i] = state[i]!;
    state[i] = ks.outer[i]!;
  }
  W[8] = 0x80000000 | 0;
  for (let i = 9; i < 15; i++) W[i] = 0;
  W[15] = (BLOCK + 32) * 8;
  compress(state);
}

/**
 * The first `length` bytes (1 to 32) of HMAC-SHA256(key, UTF-8 of `prefix` followed by `text`),
 * as a new Buffer: `createHmac('sha256', key).update(prefix + text).digest().subarray(0, length)`.
 */
export function hmacSha256(key: Uint8Array, prefix: string, text: string, length = 32): Buffer {
  run(key, prefix, text);
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = state[i >>> 2]! >>> (24 - 8 * (i & 3));
  return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * The first `length` bytes (1 to 32) of HMAC-SHA256(key, UTF-8 of `prefix` followed by `text`),
 * in lower-case hex: `createHmac(...).digest('hex').slice(0, 2 * length)`.
 */
export function hmacSha256Hex(key: Uint8Array, prefix: string, text: string, length = 32): string {
  run(key, prefix, text);
  let hex = '';
  for (let i = 0; i < length; i++) hex += HEX[(state[i >>> 2]! >>> (24 - 8 * (i & 3))) & 0xff];
  return hex;
}
