import {
  appendAuditTrail,
  assignFlag,
  type CorrectionSupport,
  type FlagDetail,
  getFlagDetail,
  isCustodianError,
  resolveFlag,
  sendBackFlag,
  shanghaiDate,
  verifyFlag,
} from '@custodian/core';
import { listInvestigators } from '../auth/accounts.js';
import { authorize, canSeeFlag, flagScopeOf } from '../authz.js';
import { CORRECTABLE_FIELDS } from '../flags/correction.js';
import { isPersonalField, MIN_REASON_LENGTH, revealValue } from '../flags/reveal.js';
import { type Reply, type RequestContext, redirect, userOf, withDone } from '../http/context.js';
import { isMessageKey, type MessageKey } from '../i18n.js';
import { deadlineOf } from '../queue/deadline.js';
import { type FlagPageModel, renderFlag } from '../views/flag.js';
import { doneNotice, errorPage, page } from '../views/layout.js';

function parseFlagId(c: RequestContext): number | undefined {
  const raw = c.params.id ?? '';
  if (!/^\d{1,9}$/.test(raw)) return undefined;
  const id = Number(raw);
  return id > 0 ? id : undefined;
}

/**
 * The flag with its history and group, if the account may see it. A flag outside an
 * investigator's channel is answered exactly like a flag that does not exist (404), so that
 * typing another channel's flag number reveals nothing, not even its existence.
 */
async function loadVisibleFlag(c: RequestContext): Promise<FlagDetail | undefined> {
  const id = parseFlagId(c);
  if (id === undefined) return undefined;
  let detail: FlagDetail;
  try {
    detail = await getFlagDetail(c.deps.ctx.storage.db, id);
  } catch (err) {
    if (isCustodianError(err) && err.code === 'FLAG_NOT_FOUND') return undefined;
    throw err;
  }
  return canSeeFlag(flagScopeOf(userOf(c)), detail.flag) ? detail : undefined;
}

async function buildModel(c: RequestContext, detail: FlagDetail): Promise<FlagPageModel> {
  const user = userOf(c);
  const scope = flagScopeOf(user);
  const records = scope.all ? detail.records : detail.records.filter((r) => r.channel === scope.channel);
  const f = detail.flag;
  const can = {
    assign: authorize('flag.assign', user.roles) === 'allow',
    resolve: authorize('flag.resolve', user.roles) === 'allow',
    verify: authorize('flag.verify', user.roles) === 'allow',
    reveal: authorize('flag.reveal', user.roles) === 'allow',
  };
  return {
    detail,
    records,
    hiddenRecords: detail.records.length - records.length,
    deadline: deadlineOf(f, shanghaiDate(c.now), c.deps.ctx.calendar),
    can,
    assignTargets: can.assign ? await assignTargets(c, f.channel) : [],
    username: user.username,
  };
}

/** A flag goes to its own channel, or to one of that channel's investigators (002 §3.13: distributed by channel). */
async function assignTargets(
  c: RequestContext,
  channel: string | null,
): Promise<{ value: string; text: string }[]> {
  if (!channel) return [];
  const people = await listInvestigators(c.deps.ctx.storage.db, channel);
  return [
    { value: channel, text: c.t('assign.channel', { channel }) },
    ...people.map((p) => ({ value: p, text: p })),
  ];
}

function renderPage(
  c: RequestContext,
  model: FlagPageModel,
  opts: { status?: number; error?: string } = {},
): Reply {
  return page(c, c.t('flag.title', { id: model.detail.flag.flag_id }), renderFlag(c, model), {
    ...opts,
    notice: doneNotice(c),
  });
}

/** A refused action: the page again, with the reason in the user's language. */
async function refused(c: RequestContext, detail: FlagDetail, err: unknown): Promise<Reply> {
  if (!isCustodianError(err)) throw err;
  const key = `error.${err.code}`;
  const problems = Array.isArray(err.context.problems)
    ? (err.context.problems as string[]).join('; ')
    : err.message;
  const message = isMessageKey(key)
    ? c.t(key as MessageKey, { detail: problems })
    : c.t('error.generic', { detail: err.message });
  const fresh = await getFlagDetail(c.deps.ctx.storage.db, detail.flag.flag_id);
  return renderPage(c, await buildModel(c, fresh), { status: 409, error: message });
}

export async function viewFlag(c: RequestContext): Promise<Reply> {
  const detail = await loadVisibleFlag(c);
  if (!detail) return errorPage(c, 404, c.t('error.notFound'));
  const user = userOf(c);
  // Opening a flag shows (masked) customer data: a query of the archive, logged (001 §4; 004 §4.4).
  await appendAuditTrail(c.deps.ctx.storage.db, {
    actor: user.username,
    action: 'console.flag_view',
    targetType: 'flag',
    targetId: String(detail.flag.flag_id),
    detail: { record_id: detail.flag.record_id },
  });
  return renderPage(c, await buildModel(c, detail));
}

export async function assign(c: RequestContext): Promise<Reply> {
  const detail = await loadVisibleFlag(c);
  if (!detail) return errorPage(c, 404, c.t('error.notFound'));
  const to = (c.form.get('to') ?? '').trim();
  const targets = await assignTargets(c, detail.flag.channel);
  if (!targets.some((o) => o.value === to)) {
    return renderPage(c, await buildModel(c, detail), { status: 400, error: c.t('error.ASSIGNEE_INVALID') });
  }
  const note = (c.form.get('note') ?? '').trim();
  try {
    await assignFlag(c.deps.ctx.storage.db, detail.flag.flag_id, {
      actor: userOf(c).username,
      to,
      ...(note ? { note } : {}),
    });
  } catch (err) {
    return refused(c, detail, err);
  }
  return redirect(withDone(`/flags/${detail.flag.flag_id}`, 'done.assigned'));
}

/** Checks corrected values at resolve; writes them to the record at verification (four eyes). */
function correctionSupport(c: RequestContext): CorrectionSupport {
  return { keyring: c.deps.ctx.keyring, codec: c.deps.correctionCodec(c.deps.ctx) };
}

export async function resolve(c: RequestContext): Promise<Reply> {
  const detail = await loadVisibleFlag(c);
  if (!detail) return errorPage(c, 404, c.t('error.notFound'));
  const corrected: Record<string, string> = {};
  for (const i of [1, 2, 3]) {
    const field = (c.form.get(`field_${i}`) ?? '').trim();
    const value = (c.form.get(`value_${i}`) ?? '').trim();
    if (!field && !value) continue;
    if (!(CORRECTABLE_FIELDS as readonly string[]).includes(field) || !value) {
      return renderPage(c, await buildModel(c, detail), {
        status: 400,
        error: c.t('error.CORRECTION_INVALID', { detail: field || value }),
      });
    }
    corrected[field] = value;
  }
  const outcome = c.form.get('outcome') ?? '';
  const attributedTo = (c.form.get('attributed_to') ?? '').trim();
  const { ctx } = c.deps;
  try {
    await resolveFlag(
      ctx.storage.db,
      detail.flag.flag_id,
      {
        actor: userOf(c).username,
        outcome,
        note: c.form.get('note') ?? '',
        ...(outcome === 'corrected' && Object.keys(corrected).length > 0 ? { corrected } : {}),
        ...(outcome === 'false_info' && attributedTo ? { attributedTo } : {}),
      },
      correctionSupport(c),
    );
  } catch (err) {
    return refused(c, detail, err);
  }
  return redirect(withDone(`/flags/${detail.flag.flag_id}`, 'done.resolved'));
}

export async function verify(c: RequestContext): Promise<Reply> {
  const detail = await loadVisibleFlag(c);
  if (!detail) return errorPage(c, 404, c.t('error.notFound'));
  const note = (c.form.get('note') ?? '').trim();
  try {
    await verifyFlag(
      c.deps.ctx.storage.db,
      detail.flag.flag_id,
      { actor: userOf(c).username, ...(note ? { note } : {}) },
      correctionSupport(c),
    );
  } catch (err) {
    return refused(c, detail, err);
  }
  return redirect(withDone(`/flags/${detail.flag.flag_id}`, 'done.verified'));
}

export async function sendBack(c: RequestContext): Promise<Reply> {
  const detail = await loadVisibleFlag(c);
  if (!detail) return errorPage(c, 404, c.t('error.notFound'));
  try {
    await sendBackFlag(c.deps.ctx.storage.db, detail.flag.flag_id, {
      actor: userOf(c).username,
      note: c.form.get('note') ?? '',
    });
  } catch (err) {
    return refused(c, detail, err);
  }
  return redirect(withDone(`/flags/${detail.flag.flag_id}`, 'done.sentBack'));
}

/** Shows one clear value of one record of the flag's group, after a stated reason; audited as `reveal`. */
export async function reveal(c: RequestContext): Promise<Reply> {
  const detail = await loadVisibleFlag(c);
  if (!detail) return errorPage(c, 404, c.t('error.notFound'));
  const model = await buildModel(c, detail);
  const recordId = c.form.get('record') ?? '';
  const field = c.form.get('field') ?? '';
  const reason = (c.form.get('reason') ?? '').trim();
  if (!model.records.some((r) => r.record_id === recordId) || !isPersonalField(field)) {
    return renderPage(c, model, { status: 400, error: c.t('error.badRequest') });
  }
  if ([...reason].length < MIN_REASON_LENGTH) {
    return renderPage(c, model, { status: 400, error: c.t('reveal.reasonRequired') });
  }
  const value = await revealValue(c.deps.ctx, {
    actor: userOf(c).username,
    recordId,
    field,
    reason: reason.slice(0, 200),
    flagId: detail.flag.flag_id,
  });
  return renderPage(c, { ...model, revealed: { recordId, field, value } });
}
