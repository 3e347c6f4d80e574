import type { RouteId } from '../authz.js';
import type { Handler } from '../http/context.js';
import { Router } from '../http/router.js';
import * as admin from './admin.js';
import * as anomalies from './anomalies.js';
import * as auth from './auth.js';
import * as dash from './dashboard.js';
import * as flag from './flag.js';
import { queue } from './queue.js';
import { health, staticFile } from './static.js';

/** Every route of the console. Ids are keys of ROUTE_POLICY (authz.ts): a route without a policy does not compile. */
export const ROUTES: { id: RouteId; method: 'GET' | 'POST'; path: string; handler: Handler }[] = [
  { id: 'static', method: 'GET', path: '/static/:file', handler: staticFile },
  { id: 'health', method: 'GET', path: '/health', handler: health },
  { id: 'login.form', method: 'GET', path: '/login', handler: auth.loginForm },
  { id: 'login.submit', method: 'POST', path: '/login', handler: auth.loginSubmit },
  { id: 'logout', method: 'POST', path: '/logout', handler: auth.logout },
  { id: 'home', method: 'GET', path: '/', handler: auth.home },
  { id: 'password.form', method: 'GET', path: '/password', handler: auth.passwordForm },
  { id: 'password.submit', method: 'POST', path: '/password', handler: auth.passwordSubmit },
  { id: 'queue', method: 'GET', path: '/flags', handler: queue },
  { id: 'flag.view', method: 'GET', path: '/flags/:id', handler: flag.viewFlag },
  { id: 'flag.assign', method: 'POST', path: '/flags/:id/assign', handler: flag.assign },
  { id: 'flag.resolve', method: 'POST', path: '/flags/:id/resolve', handler: flag.resolve },
  { id: 'flag.verify', method: 'POST', path: '/flags/:id/verify', handler: flag.verify },
  { id: 'flag.sendBack', method: 'POST', path: '/flags/:id/send-back', handler: flag.sendBack },
  { id: 'flag.reveal', method: 'POST', path: '/flags/:id/reveal', handler: flag.reveal },
  { id: 'dashboard', method: 'GET', path: '/dashboard', handler: dash.dashboard },
  { id: 'report.download', method: 'GET', path: '/reports/download', handler: dash.downloadReport },
  { id: 'anomalies', method: 'GET', path: '/anomalies', handler: anomalies.anomalies },
  { id: 'anomaly.view', method: 'GET', path: '/anomalies/:id', handler: anomalies.anomaly },
  { id: 'anomaly.resolve', method: 'POST', path: '/anomalies/:id/resolve', handler: anomalies.resolve },
  { id: 'admin.users', method: 'GET', path: '/admin/users', handler: admin.listUsers },
  { id: 'admin.userCreate', method: 'POST', path: '/admin/users', handler: admin.createUser },
  { id: 'admin.userUpdate', method: 'POST', path: '/admin/users/:id', handler: admin.updateUser },
];

export function buildRouter(): Router<Handler> {
  const router = new Router<Handler>();
  for (const r of ROUTES) router.add(r);
  return router;
}
