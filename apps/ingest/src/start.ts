/**
 * The entry of the ingest command line (`pnpm ingest`, the installed `custodian-ingest`): holds
 * SIGINT / SIGTERM from its first moment (commands/early-signals.ts), then loads the command line,
 * which answers the signals that came while it loaded.
 */
import { holdEarlySignals } from './commands/early-signals.js';

holdEarlySignals();
await import('./cli.js');
