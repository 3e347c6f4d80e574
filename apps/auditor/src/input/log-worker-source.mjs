// Worker entry when running from TypeScript source (tsx, vitest): tsx's loader does not reach
// worker threads on Node >= 20.6 (privatenumber/tsx#354), so the worker registers it itself; and
// the worker's module resolution does not get the `custodian-source` condition from execArgv,
// so a resolve hook adds it (the packages' sources, not their unbuilt dist/).
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register(
  `data:text/javascript,${encodeURIComponent(
    "export function resolve(s, c, next) { return next(s, { ...c, conditions: [...new Set([...c.conditions, 'custodian-source'])] }); }",
  )}`,
);
await import('./log-worker.ts');
