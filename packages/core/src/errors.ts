/**
 * The one base error of Custodian: for broken infrastructure and misuse (bad configuration, wrong
 * key, unreachable database), never for a bad customer record — those are findings, returned as
 * values. `code` is stable and machine-readable; `context` never holds clear personal data.
 */
export class CustodianError extends Error {
  readonly code: string;
  readonly context: Record<string, unknown>;

  constructor(code: string, message: string, context: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CustodianError';
    this.code = code;
    this.context = context;
  }
}

export function isCustodianError(err: unknown): err is CustodianError {
  return err instanceof CustodianError;
}
