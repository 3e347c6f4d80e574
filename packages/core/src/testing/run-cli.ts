import { vi } from 'vitest';
import { type CliOutput, createOutput, reportCliError } from '../cli-support.js';
import type { CustodianContext } from '../context.js';

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
  /** Under --json: the last line of stdout, parsed. */
  json: Record<string, unknown> | undefined;
}

/**
 * Runs a command function as an app's cli.ts does (an output that honours --json, errors turned
 * into a message and an exit code by reportCliError), capturing what it writes to stdout and stderr.
 */
export async function runCli(
  command: (ctx: CustodianContext, argv: string[], out: CliOutput) => Promise<number>,
  ctx: CustodianContext,
  argv: string[],
): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const take =
    (sink: (s: string) => void) =>
    (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      sink(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    };
  const o = vi.spyOn(process.stdout, 'write').mockImplementation(
    take((s) => {
      stdout += s;
    }) as typeof process.stdout.write,
  );
  const e = vi.spyOn(process.stderr, 'write').mockImplementation(
    take((s) => {
      stderr += s;
    }) as typeof process.stderr.write,
  );
  let code: number;
  try {
    const out = createOutput(argv.includes('--json'));
    try {
      code = await command(ctx, argv, out);
    } catch (err) {
      code = reportCliError(err, out);
    }
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  const last = stdout.trimEnd().split('\n').at(-1);
  let json: Record<string, unknown> | undefined;
  if (argv.includes('--json') && last) json = JSON.parse(last) as Record<string, unknown>;
  return { code, stdout, stderr, json };
}
