// Worker entry when running from TypeScript source (tsx, vitest): tsx's loader does not reach
// worker threads on Node >= 20.6 (privatenumber/tsx#354), so the worker registers it itself.
import { register } from 'tsx/esm/api';

register();
await import('./log-worker.ts');
