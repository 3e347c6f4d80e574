/**
 * custodian auditor: audits the archive system's access logs against approvals, staff status and
 * clearances (rulebook section 3). Not built yet: only --help answers.
 */
const HELP = `Usage: pnpm auditor <command>

Audits access logs of the archive system (rulebook section 3).

Status: not implemented yet in this version. The planned commands are
  run --staff <file> --approvals <file> <log file...> [--json]
  schedule
  anomalies export|list|show|resolve
and none of them does anything yet.

Options:
  -h, --help   show this help
`;

const args = process.argv.slice(2);
if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
  process.stdout.write(HELP);
  process.exit(0);
}
process.stderr.write(`auditor: "${args[0]}" is not implemented yet (see --help)\n`);
process.exit(2);
