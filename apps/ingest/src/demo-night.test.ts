import type { CustodianContext, Storage } from '@custodian/core';
import { testBackends, useTestStorage } from '@custodian/core/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { runDemoNight } from './demo-night.js';
import { openTestContext, tempDir } from './testing/fixtures.js';

for (const backend of testBackends()) {
  describe(`the demo night on ${backend.name}`, () => {
    let storage: Storage;
    let ctx: CustodianContext;
    useTestStorage(backend, (s) => {
      storage = s;
    });
    beforeEach(async () => {
      // A telecom operator's configuration: every file is checked under the telecom profile.
      ctx = await openTestContext(storage, tempDir(), { ingest: { profile: 'telecom', workers: 1 } });
    });

    it('generates telecom data for a telecom archive: service numbers, ID_LINE_LIMIT, no MISSING_REQUIRED on every record', async () => {
      const night = await runDemoNight(ctx, {
        customers: 200,
        seed: 1,
        profile: 'telecom',
        today: '2026-11-20',
      });
      expect(night.result?.status).toBe('done');
      const rules = Object.fromEntries(night.rules);
      // Seed 1 puts six records on one ID number with six service numbers.
      expect(rules['ID_LINE_LIMIT']).toMatchObject({ injected: 6, found: 6, flags: 6 });
      // Insurance data checked as telecom lacked the service number on every row: 200 flags.
      const missing = rules['MISSING_REQUIRED'] ?? { injected: 0, found: 0, wronglyFlagged: 0, flags: 0 };
      expect(missing.flags).toBe(missing.found);
      expect(missing.wronglyFlagged).toBe(0);
      for (const [rule, e] of Object.entries(rules))
        expect({ rule, found: e.found }).toEqual({ rule, found: e.injected });
      // Records of the telecom sample do not take the insurance demo's record numbers.
      expect(night.flags.every((f) => f.record_id.startsWith('T1-'))).toBe(true);
    });
  });
}
