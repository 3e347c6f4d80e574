import { shanghaiDate } from '@custodian/core';
import { authorize, flagScopeOf } from '../authz.js';
import { type Reply, type RequestContext, userOf } from '../http/context.js';
import { filterOptions, listQueue, parseQueueQuery } from '../queue/queue-query.js';
import { page } from '../views/layout.js';
import { renderQueue } from '../views/queue.js';

/** The review queue (002 §3.7, §3.13): the account's flags by deadline, filtered and paged. */
export async function queue(c: RequestContext): Promise<Reply> {
  const user = userOf(c);
  const db = c.deps.ctx.storage.db;
  const scope = flagScopeOf(user);
  const q = parseQueueQuery(c.query);
  const today = shanghaiDate(c.now);
  const [result, options] = await Promise.all([
    listQueue(db, q, scope, {
      today,
      pageSize: c.deps.settings.pageSize,
      countCacheMs: c.deps.settings.queueCountCacheSeconds * 1000,
      nowMs: Date.now(),
    }),
    filterOptions(db, scope, c.now.getTime()),
  ]);
  return page(
    c,
    c.t('queue.title'),
    renderQueue(c, q, result, options, {
      today,
      calendar: c.deps.ctx.calendar,
      scopeChannel: scope.all ? null : (scope.channel ?? ''),
      username: user.username,
      canVerify: authorize('flag.verify', user.roles) === 'allow',
    }),
  );
}
