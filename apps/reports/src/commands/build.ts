import { parseArgs } from 'node:util';
import { type CliOutput, type CustodianContext, echoValue, integerOption, userPath } from '@custodian/core';
import { buildReport } from '../build-report.js';
import { COMMON_OPTIONS, usageError } from '../cli-options.js';
import type { Lang } from '../i18n.js';

/** `reports build <kind> [--period P] [--lang zh|en] [--out dir] [--batch N] [--json]`. */
export async function runBuildCommand(
  ctx: CustodianContext,
  argv: string[],
  out: CliOutput,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      period: { type: 'string' },
      lang: { type: 'string' },
      out: { type: 'string' },
      batch: { type: 'string' },
    },
  });
  const kind = positionals[0];
  if (!kind)
    throw usageError('build needs a report kind: problem-list, batch, management, regulatory or retention');
  const lang = (values.lang ?? 'zh') as Lang;
  if (lang !== 'zh' && lang !== 'en') throw usageError(`--lang must be zh or en, not ${echoValue(lang)}`);
  const batchId = integerOption('batch', values.batch, { min: 1 });
  const r = await buildReport(ctx, {
    kind,
    period: values.period,
    lang,
    outDir: values.out === undefined ? undefined : userPath(values.out),
    batchId,
  });
  for (const f of r.files) out.say(`${f.absolutePath}  ${f.bytes} bytes  sha256 ${f.sha256}`);
  out.say(
    `${r.kind} ${r.period} (${r.lang}) built in ${r.seconds.toFixed(2)} s${r.rows !== undefined ? `, ${r.rows} rows` : ''}`,
  );
  out.result({
    ok: true,
    kind: r.kind,
    period: r.period,
    lang: r.lang,
    generatedAt: r.generatedAt,
    seconds: Number(r.seconds.toFixed(3)),
    ...(r.rows !== undefined ? { rows: r.rows } : {}),
    files: r.files.map((f) => ({ path: f.absolutePath, format: f.format, bytes: f.bytes, sha256: f.sha256 })),
  });
  return 0;
}
