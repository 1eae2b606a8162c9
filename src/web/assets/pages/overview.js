import { api } from '../api.js';
import { actionPill, fmt, h, sparkline, statusPill, table, when } from '../dom.js';
import { onEvent } from '../live.js';

// Every model the identity can see, grouped by team and endpoint: what serves, whether it
// can be trusted today, and where it is heading. A decision, promotion or freeze anywhere
// visible refreshes the table (live).

const LIVE_KINDS = new Set(['decision', 'promoted_champion', 'promoted_challenger', 'frozen', 'unfrozen', 'registered', 'monitor_run', 'promotion_refused']);

export async function overviewPage(main) {
  const heading = h('h1', {}, 'Models');
  const filter = h('input', { id: 'model-filter', type: 'search', placeholder: 'name, team, endpoint or status' });
  const summary = h('p', { className: 'muted', id: 'overview-summary' });
  const body = h('div', { id: 'overview-groups' });
  main.append(
    heading,
    h('form', { className: 'inline', role: 'search', onsubmit: (e) => e.preventDefault() }, h('label', { for: 'model-filter' }, 'Filter models'), filter),
    summary,
    body,
  );
  let models = await api('/models');
  const draw = () => {
    const q = filter.value.trim().toLowerCase();
    const shown = q ? models.filter((m) => [m.model, m.team, m.endpoint, m.status].some((x) => x.toLowerCase().includes(q))) : models;
    const counts = ['live', 'watching', 'frozen', 'unreleased'].map((s) => `${shown.filter((m) => m.status === s).length} ${s}`).join(', ');
    summary.textContent = `${shown.length} of ${models.length} models: ${counts}.`;
    body.replaceChildren(...groups(shown));
  };
  filter.addEventListener('input', draw);
  draw();
  let pending = null;
  const off = onEvent((e) => {
    if (!LIVE_KINDS.has(e.kind)) return;
    clearTimeout(pending);
    pending = setTimeout(async () => {
      models = await api('/models');
      draw();
    }, 300);
  });
  return () => {
    off();
    clearTimeout(pending);
  };
}

function groups(models) {
  const byGroup = new Map();
  for (const m of models) {
    const key = `${m.team} · ${m.endpoint}`;
    if (!byGroup.has(key)) byGroup.set(key, []);
    byGroup.get(key).push(m);
  }
  return [...byGroup.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, ms]) =>
      h(
        'section',
        { className: 'group', 'aria-label': key },
        h('h2', {}, key),
        table(
          null,
          ['Model', 'Champion', 'Status', 'Latest decision', 'Error trend', 'Label backlog', 'Versions'],
          ms.map((m) =>
            h(
              'tr',
              { 'data-model': m.model },
              h('th', { scope: 'row' }, h('a', { href: `#/models/${encodeURIComponent(m.model)}` }, m.model)),
              h('td', {}, m.champion ?? h('span', { className: 'muted' }, 'none')),
              h('td', {}, statusPill(m.status), m.frozenReason ? h('div', { className: 'muted small' }, m.frozenReason) : null),
              h(
                'td',
                {},
                m.latestDecision
                  ? [actionPill(m.latestDecision.action), ' ', h('span', { className: 'small' }, `${m.latestDecision.window}, ${when(m.latestDecision.at)}`)]
                  : h('span', { className: 'muted' }, '—'),
              ),
              h(
                'td',
                {},
                sparkline(
                  m.errorTrend.map((p) => p.maeRatio ?? p.estimatedMaeRatio),
                  `MAE ratio per window for ${m.model}: ${m.errorTrend.map((p) => `${p.window} ${fmt(p.maeRatio ?? p.estimatedMaeRatio)}`).join(', ') || 'not monitored'}`,
                ),
              ),
              h('td', { className: 'num' }, m.labelBacklog ?? '—'),
              h('td', { className: 'num' }, m.versions),
            ),
          ),
          { className: 'models' },
        ),
      ),
    );
}
