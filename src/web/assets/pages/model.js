import { api } from '../api.js';
import { actionPill, fmt, h, passPill, statusPill, table, trustedSvg, when } from '../dom.js';
import { onEvent } from '../live.js';

// One model: versions and the champion history, the drift timeline and small multiples
// with the policy's thresholds, decisions with their evidence, validation and reliability
// per version, and the lineage graph. Charts are drawn by the server with the audit
// report's chart code; a new decision, promotion or freeze of this model redraws the page.

export async function modelPage(main, _ctx, model) {
  const draw = async () => {
    const [page, overview] = await Promise.all([api(`/models/${encodeURIComponent(model)}/page`), api('/models')]);
    const summary = overview.find((m) => m.model === model);
    main.replaceChildren(...content(page, summary));
  };
  await draw();
  let pending = null;
  const off = onEvent((e) => {
    if (e.model !== model) return;
    clearTimeout(pending);
    pending = setTimeout(draw, 300);
  });
  return () => {
    off();
    clearTimeout(pending);
  };
}

function content(page, summary) {
  const out = [
    h('p', { className: 'crumbs' }, h('a', { href: '#/overview' }, 'Models'), ' / ', page.model),
    h('h1', {}, page.model, ' ', summary ? statusPill(summary.status) : null),
    h(
      'p',
      { className: 'muted' },
      `Team ${page.team}, endpoint ${page.endpoint}. `,
      summary?.champion ? `Champion ${summary.champion}. ` : 'No champion. ',
      page.policy ? `Policy ${page.policy.name} (${page.policy.hash.slice(0, 12)}), last decision ${when(page.policy.decidedAt)}.` : 'No policy decision yet.',
    ),
  ];
  out.push(h('h2', { id: 'versions' }, 'Versions'), versionsTable(page.versions));
  const champions = page.transitions.filter((t) => t.kind === 'promoted_champion' || t.kind === 'frozen' || t.kind === 'unfrozen' || t.kind === 'promotion_refused');
  out.push(
    h('h2', { id: 'history' }, 'Champion history'),
    champions.length
      ? table(
          null,
          ['When', 'What', 'Version', 'Who', 'Reason'],
          champions.map((t) => h('tr', {}, h('td', {}, when(t.at)), h('td', {}, t.kind.replaceAll('_', ' ')), h('td', {}, t.version ?? '—'), h('td', {}, t.actor), h('td', {}, t.reason))),
          { className: 'history' },
        )
      : h('p', { className: 'muted' }, 'No promotion yet.'),
  );
  out.push(h('h2', { id: 'drift' }, 'Drift timeline'));
  if (page.strip) {
    out.push(
      h('p', { className: 'muted' }, `${page.windows} monitoring windows as of ${when(page.monitoredAsOf)}. Dashed coloured lines are the policy's thresholds.`),
      trustedSvg(page.strip, 'chart-box strip'),
      h(
        'div',
        { className: 'small-multiples' },
        page.drift.map((d) => h('figure', { className: 'small-multiple', 'data-metric': d.metric }, trustedSvg(d.svg), d.thresholds.length ? h('figcaption', { className: 'small muted' }, d.thresholds.map((t) => `${t.label} ${fmt(t.value)}`).join('; ')) : null)),
      ),
    );
  } else out.push(h('p', { className: 'muted' }, 'Not monitored yet.'));
  out.push(h('h2', { id: 'decisions' }, 'Decisions'), decisionsTable(page.decisions));
  const shown = page.versions.find((v) => v.aliases.includes('champion')) ?? page.versions[0];
  if (shown) {
    out.push(h('h2', { id: 'validation' }, `Validation and reliability: ${shown.version}`), validation(shown));
    if (shown.lineageSvg) out.push(h('h2', { id: 'lineage' }, `Lineage: ${shown.version}`), trustedSvg(shown.lineageSvg, 'chart-box lineage'));
  }
  return out;
}

function versionsTable(versions) {
  return table(
    null,
    ['Version', 'Aliases', 'Built', 'By', 'Test MAE', 'Controls', 'Predictions'],
    versions.map((v) => {
      const failed = v.controls.filter((c) => c.status === 'fail');
      return h(
        'tr',
        { 'data-version': v.version },
        h('th', { scope: 'row' }, v.version, v.frozen ? [' ', h('span', { className: 'pill status-frozen' }, 'frozen')] : null),
        h('td', {}, v.aliases.join(', ') || '—'),
        h('td', {}, when(v.createdAt)),
        h('td', {}, v.createdBy),
        h('td', { className: 'num' }, fmt(v.validation?.metrics?.mae)),
        h('td', {}, passPill(!failed.length, 'all pass', `${failed.length} fail`), failed.length ? h('div', { className: 'small' }, failed.map((c) => c.title).join('; ')) : null),
        h('td', { className: 'num' }, v.predictions),
      );
    }),
    { className: 'versions' },
  );
}

function decisionsTable(decisions) {
  if (!decisions.length) return h('p', { className: 'muted' }, 'No decisions yet.');
  return table(
    null,
    ['When', 'Window', 'Action', 'Rules that fired', 'Evidence', 'Reason'],
    decisions.slice(0, 60).map((d) =>
      h(
        'tr',
        {},
        h('td', {}, when(d.at)),
        h('td', {}, d.window),
        h('td', {}, actionPill(d.action), d.retrainDeferred ? h('div', { className: 'small' }, 'retrain deferred') : null),
        h('td', {}, d.triggered.join(', ') || '—'),
        h('td', { className: 'small' }, Object.entries(d.evidence).map(([k, v]) => h('div', {}, `${k} = ${fmt(v)}`))),
        h('td', { className: 'small' }, d.reason),
      ),
    ),
    { className: 'decisions' },
  );
}

function validation(v) {
  if (!v.validation) return h('p', { className: 'muted' }, 'No validation report (imported model).');
  const m = v.validation.metrics;
  return h(
    'div',
    { className: 'validation' },
    h(
      'div',
      {},
      table(
        `${v.validation.split} split: ${v.validation.sizes.train} train, ${v.validation.sizes.calibration} calibration, ${v.validation.sizes.test} test`,
        ['Metric', 'Value'],
        Object.entries(m).map(([k, x]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', { className: 'num' }, fmt(x)))),
        { className: 'kv' },
      ),
      v.validation.conformal.length
        ? table(
            'Conformal intervals',
            ['Level', 'Coverage', 'Mean width'],
            v.validation.conformal.map((c) => h('tr', {}, h('td', {}, fmt(c.level)), h('td', {}, fmt(c.coverage)), h('td', {}, fmt(c.meanWidth)))),
            { className: 'kv' },
          )
        : null,
    ),
    v.reliabilitySvg ? trustedSvg(v.reliabilitySvg, 'chart-box reliability') : null,
  );
}
