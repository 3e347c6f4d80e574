import { type AuditorConfig, auditorConfigSchema, type CustodianContext } from '@custodian/core';

/**
 * The auditor's settings are the `auditor` section of Custodian's one configuration schema
 * (packages/core/src/config/auditor.ts, every threshold with its reason): kept in core so that
 * every app, not only this one, refuses a misspelt threshold at start-up.
 */
export { type AuditorConfig, auditorConfigSchema };

/** The `auditor` section, parsed (again: a test may have set a partial section); throws zod's error for a bad setting. */
export function auditorConfig(
  ctx: Pick<CustodianContext, 'config'> | { config: { auditor?: unknown } },
): AuditorConfig {
  return auditorConfigSchema.parse((ctx.config as { auditor?: unknown }).auditor ?? {});
}
