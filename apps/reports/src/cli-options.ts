import { CustodianError } from '@custodian/core';

/** Options every command accepts. */
export const COMMON_OPTIONS = {
  json: { type: 'boolean' },
  actor: { type: 'string' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** A usage error: exit code 2 and a pointer to --help. */
export function usageError(message: string): CustodianError {
  return new CustodianError('USAGE', `${message} (see pnpm reports --help)`);
}
