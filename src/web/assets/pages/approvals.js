import { api, ApiError } from '../api.js';
import { fmt, h, passPill, statusPill, table, when } from '../dom.js';
import { onEvent } from '../live.js';

// Versions waiting for promotion, with the gate report. Approve or refuse, each with a
// reason. The page never decides who may approve: the server enforces the approver role
// and the four-eyes rule, and its refusal is shown as it comes back.

const LIVE_KINDS = new Set(['registered', 'promoted_champion', 'promoted_challenger', 'promotion_refused', 'frozen', 'unfrozen']);

export async function approvalsPage(main) {
  const list = h('div', { id: 'approvals-list' });
  main.append(h('h1', {}, 'Approvals'), h('p', { className: 'muted' }, 'Versions newer than their champion. Promotion to champion needs the gate passed and an approver who did not build the version.'), list);
  const draw = async () => list.replaceChildren(...(await cards()));
  await draw();
  let pending = null;
  const off = onEvent((e) => {
    if (!LIVE_KINDS.has(e.kind)) return;
    clearTimeout(pending);
    pending = setTimeout(draw, 300);
  });
  return () => {
    off();
    clearTimeout(pending);
  };
}

async function cards() {
  const pending = await api('/approvals');
  if (!pending.length) return [h('p', { className: 'empty', role: 'status' }, 'Nothing waiting for approval.')];
  return pending.map(card);
}

function card(p) {
  const id = p.version.replace(/[^A-Za-z0-9_-]/g, '-');
  const reason = h('textarea', { id: `reason-${id}`, name: 'reason', rows: 2, required: true });
  const outcome = h('p', { className: 'outcome', role: 'status' });
  const approve = h('button', { type: 'button', className: 'approve' }, 'Approve as champion');
  const refuse = h('button', { type: 'button', className: 'refuse' }, 'Refuse');
  const act = async (kind) => {
    if (!reason.value.trim()) {
      outcome.className = 'outcome error';
      outcome.textContent = 'Give a reason first: every approval and refusal is recorded with it.';
      reason.focus();
      return;
    }
    approve.disabled = refuse.disabled = true;
    try {
      if (kind === 'approve') {
        await api(`/models/${encodeURIComponent(p.model)}/promotions`, { method: 'POST', body: { version: p.version, alias: 'champion', reason: reason.value.trim() } });
        outcome.className = 'outcome ok';
        outcome.textContent = `${p.version} is now champion.`;
      } else {
        await api(`/models/${encodeURIComponent(p.model)}/refusals`, { method: 'POST', body: { version: p.version, reason: reason.value.trim() } });
        outcome.className = 'outcome ok';
        outcome.textContent = `Refusal of ${p.version} recorded.`;
      }
    } catch (e) {
      outcome.className = 'outcome error';
      outcome.textContent = e instanceof ApiError ? `Refused by the server (${e.status} ${e.code}): ${e.message}` : String(e);
    } finally {
      approve.disabled = refuse.disabled = false;
    }
  };
  approve.addEventListener('click', () => act('approve'));
  refuse.addEventListener('click', () => act('refuse'));
  const gate = p.gate;
  return h(
    'section',
    { className: 'approval', 'data-version': p.version, 'aria-labelledby': `title-${id}` },
    h('h2', { id: `title-${id}` }, h('a', { href: `#/models/${encodeURIComponent(p.model)}` }, p.version), ' ', statusPill(p.status)),
    h('p', { className: 'muted' }, `Team ${p.team}, endpoint ${p.endpoint}. Champion now: ${p.champion ?? 'none'}. Built by ${p.builtBy ?? '?'} ${when(p.builtAt)}.`),
    p.lastRefusal ? h('p', { className: 'refusal' }, `Last refused ${when(p.lastRefusal.at)} by ${p.lastRefusal.actor} (${p.lastRefusal.code}): ${p.lastRefusal.reason}`) : null,
    gate
      ? [
          h('p', {}, 'Release gate: ', passPill(gate.passed, 'passes', 'fails')),
          table(
            null,
            ['Check', 'Value', 'Needs', 'Result'],
            gate.checks.map((c) => h('tr', {}, h('td', {}, c.check), h('td', { className: 'num' }, fmt(c.value)), h('td', {}, String(c.threshold)), h('td', {}, passPill(c.passed)))),
            { className: 'gate' },
          ),
        ]
      : h('p', { className: 'muted' }, 'No gate result (no validation report or no gate for the endpoint).'),
    h(
      'form',
      { className: 'decide', onsubmit: (e) => e.preventDefault() },
      h('label', { for: `reason-${id}` }, `Reason for approving or refusing ${p.version}`),
      reason,
      h('div', { className: 'buttons' }, approve, refuse),
      outcome,
    ),
  );
}
