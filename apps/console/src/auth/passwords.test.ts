import { describe, expect, it } from 'vitest';
import { checkPasswordPolicy, generatePassword, hashPassword, verifyPassword } from './passwords.js';

const LOW = { N: 2 ** 10, r: 8, p: 1 };

describe('password hashing', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('Correct-Horse-9', LOW);
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(hash).not.toContain('Correct-Horse-9');
    expect(await verifyPassword('Correct-Horse-9', hash)).toBe(true);
    expect(await verifyPassword('correct-horse-9', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([
      hashPassword('Same-Passw0rd', LOW),
      hashPassword('Same-Passw0rd', LOW),
    ]);
    expect(a).not.toBe(b);
  });

  it('uses the default, slow cost when none is given', async () => {
    const hash = await hashPassword('Default-Cost-1');
    expect(hash.startsWith('scrypt$32768$8$1$')).toBe(true);
    expect(await verifyPassword('Default-Cost-1', hash)).toBe(true);
  });

  it('treats malformed hashes as a mismatch', async () => {
    for (const bad of ['', 'plain', 'scrypt$x$8$1$a$b', 'bcrypt$1$2$3$4$5', 'scrypt$1024$8$1$AAAA$AAAA']) {
      expect(await verifyPassword('whatever', bad)).toBe(false);
    }
  });
});

describe('password policy', () => {
  it('accepts ten characters of three kinds', () => {
    expect(checkPasswordPolicy('Abcdefgh12', 'alice')).toEqual([]);
    expect(checkPasswordPolicy('abcdefgh1!', 'alice')).toEqual([]);
  });

  it('refuses short, one-kind and username-containing passwords', () => {
    expect(checkPasswordPolicy('Ab1!', 'alice')).toContain('password.tooShort');
    expect(checkPasswordPolicy('abcdefghijkl', 'alice')).toContain('password.classes');
    expect(checkPasswordPolicy('Alice-2026-xyz', 'alice')).toContain('password.containsUsername');
  });

  it('generates passwords that pass the policy and differ', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const p = generatePassword();
      expect(p).toHaveLength(16);
      expect(checkPasswordPolicy(p, 'someone')).toEqual([]);
      expect(p).not.toMatch(/[0O1lI]/);
      seen.add(p);
    }
    expect(seen.size).toBe(50);
  });
});
