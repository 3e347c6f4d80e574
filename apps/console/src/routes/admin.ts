import {
  type AccountProblem,
  createAccount,
  getAccount,
  listAccounts,
  setPassword,
  updateAccount,
} from '../auth/accounts.js';
import { generatePassword } from '../auth/passwords.js';
import { type Reply, type RequestContext, redirect, userOf, withDone } from '../http/context.js';
import type { MessageKey } from '../i18n.js';
import { filterOptions } from '../queue/queue-query.js';
import { type AdminModel, renderAdmin } from '../views/admin.js';
import { doneNotice, errorPage, page } from '../views/layout.js';

/**
 * Account administration (004 §4.4): an admin creates accounts with roles and hands over a
 * one-time password; changes, unlocks, disables and resets. The admin sees accounts and channel
 * names only, never customer data.
 */
async function render(
  c: RequestContext,
  extra: Partial<AdminModel> = {},
  opts: { status?: number; error?: string } = {},
): Promise<Reply> {
  const db = c.deps.ctx.storage.db;
  const [users, options] = await Promise.all([
    listAccounts(db),
    filterOptions(db, { all: true, channel: null }, c.now.getTime()),
  ]);
  return page(c, c.t('admin.title'), renderAdmin(c, { users, channels: options.channels, ...extra }), {
    ...opts,
    notice: doneNotice(c),
  });
}

function problemsText(c: RequestContext, problems: AccountProblem[]): string {
  return problems.map((p) => c.t(p as MessageKey)).join(' ');
}

export async function listUsers(c: RequestContext): Promise<Reply> {
  return render(c);
}

export async function createUser(c: RequestContext): Promise<Reply> {
  const admin = userOf(c);
  const form = {
    username: (c.form.get('username') ?? '').trim(),
    displayName: (c.form.get('display_name') ?? '').trim(),
    roles: c.form.getAll('roles'),
    channel: (c.form.get('channel') ?? '').trim(),
  };
  const password = generatePassword();
  const result = await createAccount(c.deps.ctx.storage.db, {
    username: form.username,
    displayName: form.displayName,
    roles: form.roles,
    channel: form.channel || null,
    password,
    mustChangePassword: true,
    createdBy: admin.username,
    ...(c.deps.scryptCost ? { cost: c.deps.scryptCost } : {}),
  });
  if (!result.ok) return render(c, { form }, { status: 400, error: problemsText(c, result.problems) });
  return render(c, { oneTime: { username: result.user.username, password, created: true } });
}

export async function updateUser(c: RequestContext): Promise<Reply> {
  const admin = userOf(c);
  const db = c.deps.ctx.storage.db;
  const raw = c.params.id ?? '';
  const target = /^\d{1,9}$/.test(raw) ? await getAccount(db, Number(raw)) : undefined;
  if (!target) return errorPage(c, 404, c.t('error.notFound'));
  const action = c.form.get('action') ?? '';
  const self = target.user_id === admin.user_id;
  const opts = { actor: admin.username, now: c.now };
  switch (action) {
    case 'save': {
      const roles = c.form.getAll('roles');
      if (self && !roles.includes('admin')) return render(c, {}, { status: 400, error: c.t('admin.self') });
      const result = await updateAccount(
        db,
        target.user_id,
        {
          displayName: c.form.get('display_name') ?? target.display_name,
          roles,
          channel: c.form.get('channel') ?? null,
        },
        opts,
      );
      if (!result.ok) return render(c, {}, { status: 400, error: problemsText(c, result.problems) });
      break;
    }
    case 'unlock':
      await updateAccount(db, target.user_id, { unlock: true }, opts);
      break;
    case 'disable':
      if (self) return render(c, {}, { status: 400, error: c.t('admin.self') });
      await updateAccount(db, target.user_id, { disabled: true }, opts);
      break;
    case 'enable':
      await updateAccount(db, target.user_id, { disabled: false }, opts);
      break;
    case 'reset': {
      const password = generatePassword();
      const result = await setPassword(db, target, password, {
        actor: admin.username,
        mustChange: true,
        now: c.now,
        ...(c.deps.scryptCost ? { cost: c.deps.scryptCost } : {}),
      });
      if (!result.ok) return render(c, {}, { status: 400, error: problemsText(c, result.problems) });
      return render(c, { oneTime: { username: target.username, password, created: false } });
    }
    default:
      return errorPage(c, 400, c.t('error.badRequest'));
  }
  return redirect(withDone('/admin/users', 'done.accountUpdated'));
}
