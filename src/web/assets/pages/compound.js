import { api, apiBlob } from '../api.js';
import { fmt, h, pct, table, when } from '../dom.js';

// A chemist's question: can I trust today's prediction for my compound? Search by id,
// SMILES or InChIKey; the structure drawn by RDKit (server side), every visible prediction
// with its interval, applicability domain and frozen flag, the nearest training compounds
// (drawn) with their measurements, and a trace of a prediction back to its source files.

export async function compoundPage(main, { navigate }, query) {
  const input = h('input', { id: 'compound-q', name: 'q', type: 'search', value: query, required: true, spellcheck: 'false' });
  const form = h(
    'form',
    { className: 'inline', role: 'search', 'aria-label': 'Compound lookup' },
    h('label', { for: 'compound-q' }, 'Compound id, SMILES or InChIKey'),
    input,
    h('button', { type: 'submit' }, 'Look up'),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    navigate(`#/compounds?q=${encodeURIComponent(input.value.trim())}`);
  });
  main.append(h('h1', {}, 'Compound lookup'), form);
  if (!query) return;
  const found = await api(`/compounds?q=${encodeURIComponent(query)}`);
  if (!found.compounds.length) {
    main.append(h('p', { className: 'empty', role: 'status' }, `Nothing found for "${query}" in the teams you can see.`));
    return;
  }
  main.append(h('p', { className: 'muted', role: 'status' }, `${found.compounds.length} compound(s), matched by ${found.matchedBy}.`));
  for (const c of found.compounds) main.append(compoundSection(c));
}

function compoundSection(c) {
  return h(
    'section',
    { className: 'compound', 'data-inchikey': c.inchikey },
    h('h2', {}, c.ids.map((x) => x.id).join(', ') || c.inchikey),
    h(
      'div',
      { className: 'compound-head' },
      depiction(c.inchikey, `Structure of ${c.smiles}`),
      h('dl', { className: 'kv' }, h('dt', {}, 'InChIKey'), h('dd', {}, c.inchikey), h('dt', {}, 'SMILES'), h('dd', { className: 'mono' }, c.smiles), h('dt', {}, 'Ids'), h('dd', {}, c.ids.map((x) => `${x.id} (${x.team})`).join(', ') || '—')),
    ),
    h('h3', {}, 'Predictions'),
    c.predictions.length ? predictionsTable(c.predictions) : h('p', { className: 'muted' }, 'No prediction of this compound in the teams you can see.'),
    h('h3', {}, 'Measurements'),
    measurementsTable(c.measurements),
    h('h3', {}, 'Nearest training compounds'),
    c.nearest.length
      ? h(
          'div',
          { className: 'neighbours' },
          c.nearest.map((n) =>
            h(
              'figure',
              { className: 'neighbour' },
              depiction(n.inchikey, `Structure of the training compound ${n.smiles ?? n.inchikey}`),
              h('figcaption', {}, `Tanimoto ${fmt(n.similarity, 2)} · `, h('a', { href: `#/compounds?q=${encodeURIComponent(n.inchikey)}` }, n.inchikey)),
              measurementsTable(n.measurements),
            ),
          ),
        )
      : h('p', { className: 'muted' }, 'No prediction names a nearest training compound.'),
  );
}

function depiction(inchikey, alt) {
  const img = h('img', { className: 'depiction', alt, width: 260, height: 200 });
  // The drawing needs the Authorization header, which <img src> cannot send: fetch it and show it from a blob: URL.
  apiBlob(`/compounds/${encodeURIComponent(inchikey)}/depiction.svg`)
    .then((b) => {
      img.src = URL.createObjectURL(b);
    })
    .catch(() => {
      img.alt = `${alt} (no drawing)`;
    });
  return img;
}

function predictionsTable(predictions) {
  return table(
    null,
    ['Model version', 'Predicted', 'Interval', 'Domain', 'Flags', 'Requested', 'Lineage'],
    predictions.map((p) => {
      const traceBox = h('div', { className: 'trace', hidden: true });
      const button = h('button', { type: 'button', className: 'small-button', 'aria-expanded': 'false' }, 'Trace');
      button.addEventListener('click', async () => {
        if (!traceBox.hidden) {
          traceBox.hidden = true;
          button.setAttribute('aria-expanded', 'false');
          return;
        }
        traceBox.replaceChildren(traceView(await api(`/predictions/${encodeURIComponent(p.id)}/trace`)));
        traceBox.hidden = false;
        button.setAttribute('aria-expanded', 'true');
      });
      return h(
        'tr',
        { 'data-prediction': p.id },
        h('td', {}, p.modelVersion),
        h('td', { className: 'num' }, fmt(p.value)),
        h('td', {}, p.interval ? `${fmt(p.interval.lower)} to ${fmt(p.interval.upper)} (${pct(p.interval.level)})` : '—'),
        h(
          'td',
          {},
          p.domain.inDomain === null ? '—' : h('span', { className: `pill ${p.domain.inDomain ? 'pass' : 'fail'}` }, p.domain.inDomain ? 'in domain' : 'out of domain'),
          h('div', { className: 'small' }, `nearest Tanimoto ${fmt(p.domain.maxSimilarity, 2)}${p.domain.scaffoldSeen === false ? ', unseen scaffold' : ''}`),
        ),
        h('td', {}, p.modelFrozen ? h('span', { className: 'pill status-frozen', title: 'The model was frozen by policy when this was predicted' }, 'model frozen') : '—'),
        h('td', {}, when(p.requestedAt), h('div', { className: 'small' }, p.requestedBy)),
        h('td', {}, button, traceBox),
      );
    }),
    { className: 'predictions' },
  );
}

function traceView(t) {
  return h(
    'div',
    { className: 'trace-body' },
    h('p', { className: 'small' }, `Model ${t.version.id} (${t.version.origin}, by ${t.version.createdBy})`, t.build ? `; build ${t.build.hash.slice(0, 12)}, ${t.build.algorithm}, seed ${t.build.seed}` : '', t.snapshot ? `; snapshot ${t.snapshot.hash.slice(0, 12)} (${t.snapshot.measurements} measurements)` : ''),
    t.sources.length
      ? table(
          'Source files behind the training data',
          ['File', 'sha256', 'Protocol', 'Team', 'Measurements'],
          t.sources.map((s) => h('tr', {}, h('td', { className: 'mono small' }, s.path), h('td', { className: 'mono small' }, s.fileSha256.slice(0, 12)), h('td', {}, s.protocolVersion), h('td', {}, s.team), h('td', { className: 'num' }, s.measurements))),
          { className: 'sources' },
        )
      : h('p', { className: 'muted small' }, 'No source files (imported model).'),
    t.broken.length ? h('p', { className: 'error' }, `Broken links: ${t.broken.join('; ')}`) : null,
  );
}

function measurementsTable(ms) {
  if (!ms.length) return h('p', { className: 'muted small' }, 'No measurement in the teams you can see.');
  return table(
    null,
    ['Endpoint', 'Value', 'Protocol', 'Site', 'Measured', 'Reported', 'Team'],
    ms.map((m) =>
      h(
        'tr',
        {},
        h('td', {}, m.endpoint),
        h('td', { className: 'num' }, `${m.qualifier === '=' ? '' : m.qualifier}${fmt(m.value)}`),
        h('td', {}, m.protocolVersion),
        h('td', {}, m.site),
        h('td', {}, m.measuredAt ?? '—'),
        h('td', {}, m.reportedAt ?? '—'),
        h('td', {}, m.team),
      ),
    ),
    { className: 'measurements' },
  );
}
