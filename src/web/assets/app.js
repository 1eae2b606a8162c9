import { api, ApiError, session } from './api.js';
import { clear, errorBox, h } from './dom.js';
import { onEvent, startLive, stopLive } from './live.js';
import { approvalsPage } from './pages/approvals.js';
import { auditPage } from './pages/audit.js';
import { compoundPage } from './pages/compound.js';
import { computePage } from './pages/compute.js';
import { loginPage } from './pages/login.js';
import { modelPage } from './pages/model.js';
import { overviewPage } from './pages/overview.js';

// The single-page shell: login, the navigation, the acting team, and a hash router
// (#/overview, #/models/NAME, #/compounds?q=…, #/approvals, #/compute, #/audit).

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
let me = null;
let cleanup = null;

const ROUTES = [
  [/^#\/overview$/, () => overviewPage],
  [/^#\/models\/(.+)$/, (m) => (el, ctx) => modelPage(el, ctx, decodeURIComponent(m[1]))],
  [/^#\/compounds(?:\?q=(.*))?$/, (m) => (el, ctx) => compoundPage(el, ctx, m[1] ? decodeURIComponent(m[1]) : '')],
  [/^#\/approvals$/, () => approvalsPage],
  [/^#\/compute$/, () => computePage],
  [/^#\/audit$/, () => auditPage],
];

async function render() {
  if (cleanup) cleanup();
  cleanup = null;
  if (!session.token) return showLogin();
  if (!me) {
    try {
      me = await api('/me');
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return showLogin(e.message);
      clear(main).append(errorBox(e));
      return;
    }
  }
  if (!me.actingTeam) return showTeamChoice();
  showChrome();
  const hash = location.hash || '#/overview';
  const route = ROUTES.find(([re]) => re.test(hash));
  const page = route ? route[1](hash.match(route[0])) : overviewPage;
  for (const a of nav.querySelectorAll('a')) {
    if (hash.startsWith(a.getAttribute('href'))) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  clear(main);
  try {
    cleanup = (await page(main, { me, navigate })) ?? null;
  } catch (e) {
    main.append(errorBox(e));
  }
  main.focus({ preventScroll: true });
}

function navigate(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

function showLogin(message) {
  stopLive();
  me = null;
  nav.hidden = true;
  clear(who);
  clear(main);
  loginPage(main, {
    message,
    onToken: async (token) => {
      session.token = token;
      session.team = null;
      me = null;
      await render();
    },
  });
}

/** Several teams and no header: the user picks the team to act for (sent as X-Rotguard-Team). */
function showTeamChoice() {
  const teams = [...new Set(me.roles.map((r) => r.team).filter((t) => t !== '*'))];
  clear(main).append(
    h('h1', {}, 'Choose a team'),
    h('p', {}, `${me.principal} has roles in several teams. Pages show what the acting team may see.`),
    teamForm(teams),
  );
}

function teamForm(teams) {
  const select = h('select', { id: 'team-select', name: 'team' }, teams.map((t) => h('option', { value: t, selected: t === me.actingTeam }, t)));
  const form = h('form', { className: 'inline', 'aria-label': 'Acting team' }, h('label', { for: 'team-select' }, 'Acting team'), select, h('button', { type: 'submit' }, 'Switch'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    session.team = select.value;
    me = null;
    await render();
  });
  return form;
}

function showChrome() {
  nav.hidden = false;
  const teams = [...new Set(me.roles.map((r) => r.team).filter((t) => t !== '*'))];
  const roles = me.roles.map((r) => `${r.role}@${r.team}`).join(', ');
  const signOut = h('button', { type: 'button', className: 'link' }, 'Sign out');
  signOut.addEventListener('click', () => {
    session.clear();
    location.hash = '#/overview';
    showLogin();
  });
  clear(who).append(
    ...[h('span', { className: 'principal', title: roles }, me.principal), h('span', { className: 'muted' }, ` · team ${me.actingTeam}`), teams.length > 1 ? teamForm(teams) : null, signOut].filter(Boolean),
  );
  startLive();
}

// A short notice (also read out by screen readers: role=status) when something governance-relevant happens.
const NOTICE = {
  decision: (e) => `Decision on ${e.model}: ${e.payload?.action ?? ''}`,
  promoted_champion: (e) => `${e.versionId} promoted to champion by ${e.actor}`,
  promotion_refused: (e) => `Promotion of ${e.versionId} refused (${e.actor})`,
  frozen: (e) => `${e.model} frozen: ${e.reason}`,
  unfrozen: (e) => `${e.model} unfrozen by ${e.actor}`,
  registered: (e) => `${e.versionId} registered`,
};
const live = document.getElementById('live');
let noticeTimer = null;
onEvent((e) => {
  const text = NOTICE[e.kind]?.(e);
  if (!text) return;
  live.textContent = text;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => (live.textContent = ''), 6000);
});

window.addEventListener('hashchange', render);
window.addEventListener('rotguard:unauthenticated', (e) => {
  session.clear();
  showLogin(e.detail);
});
render();
