import { CUSTOMER_FIELDS } from '@custodian/validators';
import { describe, expect, it } from 'vitest';
import { CORRECTABLE_FIELDS } from './correction.js';

describe('CORRECTABLE_FIELDS', () => {
  it('offers every customer field but record_id, each once (in the reviewers’ order: the parties first)', () => {
    expect(new Set(CORRECTABLE_FIELDS).size).toBe(CORRECTABLE_FIELDS.length);
    expect([...CORRECTABLE_FIELDS].sort()).toEqual(CUSTOMER_FIELDS.filter((f) => f !== 'record_id').sort());
  });
});
