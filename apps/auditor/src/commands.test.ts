import { join } from 'node:path';
import type { CustodianContext } from '@custodian/core';
import { testBackends } from '@custodian/core/testing';
import { afterAll, beforeAll, describe } from 'vitest';
import { describeAnomalyCommands } from './commands/anomalies.cases.js';
import { describeDueDay, describeNightlyAudit } from './jobs/nightly-audit.cases.js';
import { describeLogInputs } from './run-audit-inputs.cases.js';
import { openTestContext, tempDir } from './testing/fixtures.js';

/**
 * Integration tests of the auditor's commands as a user runs them, against the embedded database
 * and, with TEST_DATABASE_URL, a PostgreSQL server: `run` over every log format, the nightly job
 * (`schedule`), and `anomalies list|show|export|resolve`. One context per backend serves the three
 * suites (each test empties the tables first); the suites live beside the code they exercise.
 */
const dir = tempDir('auditor-commands-');

describeDueDay();

for (const backend of testBackends()) {
  describe(`auditor on ${backend.name}`, () => {
    let ctx: CustodianContext | undefined;
    const env = {
      backend,
      dir: join(dir, backend.name),
      ctx: () => {
        if (!ctx) throw new Error(`no ${backend.name} context`);
        return ctx;
      },
    };
    beforeAll(async () => {
      ctx = await openTestContext(await backend.open(), join(env.dir, 'data'));
    });
    afterAll(async () => {
      await ctx?.close();
    });
    describeLogInputs(env);
    describeNightlyAudit(env);
    describeAnomalyCommands(env);
  });
}
