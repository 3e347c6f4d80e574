import { isCustodianError } from '../errors.js';

/** The message of the CustodianError with `code` that `fn` throws; fails the test otherwise. */
export function custodianErrorMessage(code: string, fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isCustodianError(err) && err.code === code) return err.message;
    throw err;
  }
  throw new Error(`expected a ${code} error`);
}
