// Worker entry used when the package runs from its TypeScript source (tsx, vitest): Node 20 does
// not carry tsx's loader into worker threads, so register it here, then load the worker proper.
// Built output (node dist/…) starts dist/block-worker.js directly and needs no tsx.
import { register } from 'tsx/esm/api';

register();
await import('./block-worker.ts');
