import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { CustodianError } from '../errors.js';
import type { Keyring } from './keyring.js';

/**
 * AES-256-GCM envelope: [version 1][key-id length][key id][iv 12][tag 16][ciphertext].
 * The key id lets old data be read after the active key is rotated.
 */
const VERSION = 1;

/**
 * GCM nonces: a random 8-byte prefix per process (or worker thread) and a 4-byte counter
 * (NIST SP 800-38D §8.2.1, deterministic construction); the prefix is redrawn before the counter
 * wraps. As safe as a random nonce per message, without asking the OS for entropy per record.
 */
let noncePrefix = randomBytes(8);
let nonceCounter = 0;
/** The nonce of the message being encrypted: the cipher copies it, so one buffer serves all. */
const nonce = Buffer.alloc(12);
function nextNonce(): Buffer {
  if (nonceCounter >= 0xffffffff) {
    noncePrefix = randomBytes(8);
    nonceCounter = 0;
  }
  noncePrefix.copy(nonce, 0);
  nonce.writeUInt32BE(nonceCounter++, 8);
  return nonce;
}

/** UTF-8 of the key ids, by id. */
const keyIds = new Map<string, Buffer>();

/** Encrypts bytes, or a string as UTF-8 (no intermediate buffer), into one envelope buffer. */
function seal(keyring: Keyring, plain: Uint8Array | string): Buffer {
  const key = keyring.active;
  let id = keyIds.get(key.id);
  if (id === undefined) {
    id = Buffer.from(key.id, 'utf8');
    keyIds.set(key.id, id);
  }
  const iv = nextNonce();
  const cipher = createCipheriv('aes-256-gcm', key.dataKey, iv);
  const body = typeof plain === 'string' ? cipher.update(plain, 'utf8') : cipher.update(plain);
  const tail = cipher.final();
  const tag = cipher.getAuthTag();
  const ivAt = 2 + id.length;
  const bodyAt = ivAt + 12 + 16;
  const envelope = Buffer.allocUnsafe(bodyAt + body.length + tail.length);
  envelope[0] = VERSION;
  envelope[1] = id.length;
  id.copy(envelope, 2);
  iv.copy(envelope, ivAt);
  tag.copy(envelope, ivAt + 12);
  body.copy(envelope, bodyAt);
  tail.copy(envelope, bodyAt + body.length);
  return envelope;
}

export function encryptBytes(keyring: Keyring, plain: Uint8Array): Buffer {
  return seal(keyring, plain);
}

/**
 * Decrypts an envelope. Throws `KEY_UNKNOWN` when its key id is not configured and `KEY_WRONG`
 * when authentication fails (wrong key or tampered data): never returns garbage.
 */
export function decryptBytes(keyring: Keyring, envelope: Uint8Array): Buffer {
  const buf = Buffer.from(envelope.buffer, envelope.byteOffset, envelope.byteLength);
  if (buf.length < 2 + 12 + 16 || buf[0] !== VERSION) {
    throw new CustodianError(
      'CIPHERTEXT_INVALID',
      'not a Custodian ciphertext (unknown version or too short)',
    );
  }
  const idLen = buf[1]!;
  const id = buf.subarray(2, 2 + idLen).toString('utf8');
  const key = keyring.byId.get(id);
  if (!key) {
    throw new CustodianError('KEY_UNKNOWN', `data was encrypted with key "${id}", which is not configured`, {
      keyId: id,
    });
  }
  const ivAt = 2 + idLen;
  const iv = buf.subarray(ivAt, ivAt + 12);
  const tag = buf.subarray(ivAt + 12, ivAt + 28);
  const body = buf.subarray(ivAt + 28);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.dataKey, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch (err) {
    throw new CustodianError(
      'KEY_WRONG',
      `cannot decrypt with key "${id}": the configured key is not the one the data was written with, or the data was altered`,
      { keyId: id },
      { cause: err },
    );
  }
}

export function encryptJson(keyring: Keyring, value: unknown): Buffer {
  return seal(keyring, JSON.stringify(value));
}

export function decryptJson<T = unknown>(keyring: Keyring, envelope: Uint8Array): T {
  return JSON.parse(decryptBytes(keyring, envelope).toString('utf8')) as T;
}
