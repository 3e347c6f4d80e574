/**
 * custodian reports: Excel and PDF reports for management, compliance and the regulator
 * (rulebook section 4). Not built yet: only --help answers.
 */
const HELP = `Usage: pnpm reports <command>

Builds Excel and PDF reports (rulebook section 4).

Status: not implemented yet in this version. The planned commands are
  build <problem-list|batch|management|regulatory|retention> [--period P] [--lang zh|en] [--out dir] [--json]
  import-review <xlsx>
  schedule
and none of them does anything yet.

Options:
  -h, --help   show this help
`;

const args = process.argv.slice(2);
if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
  process.stdout.write(HELP);
  process.exit(0);
}
process.stderr.write(`reports: "${args[0]}" is not implemented yet (see --help)\n`);
process.exit(2);
