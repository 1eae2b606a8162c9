import { api } from '../api.js';
import { fmt, h, pct, table, when } from '../dom.js';

// Spend per team and month against the budget, the jobs, idle cancellations and what the
// build cache saved: a platform lead's view, within the teams the identity may see.

export async function computePage(main) {
  const monthInput = h('input', { id: 'month', name: 'month', type: 'month', value: new Date().toISOString().slice(0, 7) });
  const body = h('div', {});
  const form = h('form', { className: 'inline', 'aria-label': 'Month' }, h('label', { for: 'month' }, 'Month'), monthInput, h('button', { type: 'submit' }, 'Show'));
  const draw = async () => {
    const month = monthInput.value;
    const [budgets, jobs] = await Promise.all([api(`/budgets?month=${month}`), api(`/jobs?month=${month}`)]);
    const idle = jobs.filter((j) => j.state === 'cancelled_idle');
    const cached = jobs.filter((j) => j.state === 'cached' || j.executor === 'cache');
    body.replaceChildren(
      h('h2', {}, 'Spend per team'),
      budgets.length
        ? table(
            null,
            ['Team', 'Budget', 'Committed', 'Used', 'CPU h', 'GPU h', 'Jobs', 'Cache hits', 'Saved'],
            budgets.map((b) =>
              h(
                'tr',
                {},
                h('th', { scope: 'row' }, b.team),
                h('td', { className: 'num' }, b.amount === null ? 'none' : `${fmt(b.amount)} ${b.currency ?? ''}`),
                h('td', { className: 'num' }, fmt(b.committed)),
                h('td', { className: 'num' }, b.fraction === null ? '—' : pct(b.fraction)),
                h('td', { className: 'num' }, fmt(b.cpuHours)),
                h('td', { className: 'num' }, fmt(b.gpuHours)),
                h('td', { className: 'num' }, b.jobs),
                h('td', { className: 'num' }, b.cacheHits),
                h('td', { className: 'num' }, fmt(b.saved)),
              ),
            ),
            { className: 'budgets' },
          )
        : h('p', { className: 'muted' }, 'No spend or budget this month.'),
      h('p', {}, `${jobs.length} jobs, ${idle.length} cancelled as idle, ${cached.length} answered from the build cache (saved ${fmt(jobs.reduce((s, j) => s + (j.saved_cost ?? 0), 0))}).`),
      h('h2', {}, 'Jobs'),
      jobs.length
        ? table(
            null,
            ['Job', 'Kind', 'Team', 'Model', 'State', 'Executor', 'Submitted', 'By', 'Cost', 'Note'],
            jobs.slice(0, 200).map((j) =>
              h(
                'tr',
                {},
                h('td', { className: 'mono small' }, j.id.slice(0, 12)),
                h('td', {}, j.kind),
                h('td', {}, j.team),
                h('td', {}, j.model ?? '—'),
                h('td', {}, j.state.replaceAll('_', ' ')),
                h('td', {}, j.executor),
                h('td', {}, when(j.submitted_at)),
                h('td', {}, j.submitted_by),
                h('td', { className: 'num' }, fmt(j.charged_cost ?? j.reserved_cost)),
                h('td', { className: 'small' }, j.note),
              ),
            ),
            { className: 'jobs' },
          )
        : h('p', { className: 'muted' }, 'No jobs this month.'),
    );
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    draw();
  });
  main.append(h('h1', {}, 'Compute and budget'), form, body);
  await draw();
}
