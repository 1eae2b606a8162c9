import { api, apiBlob } from '../api.js';
import { h, table } from '../dom.js';

// Run the audit's controls over every visible model version and download the report
// (self-contained HTML, or the JSON).

export async function auditPage(main) {
  const run = h('button', { type: 'button', id: 'run-audit' }, 'Run the audit');
  const status = h('p', { role: 'status', className: 'muted' });
  const result = h('div', {});
  run.addEventListener('click', async () => {
    run.disabled = true;
    status.textContent = 'Auditing…';
    try {
      const report = await api('/audit', { method: 'POST', body: {} });
      status.textContent = `Audited ${report.summary.versions} versions of ${report.summary.models} models: ${report.summary.controlsPassed} controls pass, ${report.summary.controlsFailed} fail. Event log ${report.eventLog.ok ? 'verified' : 'FAILED verification'} (${report.eventLog.events} events).`;
      const failing = report.models.flatMap((m) => m.controls.filter((c) => c.status === 'fail').map((c) => ({ version: m.version, ...c })));
      result.replaceChildren(
        h('p', {}, download('Download the report (HTML)', 'audit-report.html', () => apiBlob('/audit/report.html')), ' ', download('Download the JSON', 'audit-report.json', async () => new Blob([JSON.stringify(report, null, 2)], { type: 'application/json' }))),
        failing.length
          ? table('Failing controls', ['Version', 'Control', 'Why'], failing.map((c) => h('tr', {}, h('td', {}, c.version), h('td', {}, c.title), h('td', {}, c.reason))), { className: 'failing' })
          : h('p', {}, 'Every control passes.'),
      );
    } catch (e) {
      status.textContent = `The audit failed: ${e.message}`;
    } finally {
      run.disabled = false;
    }
  });
  main.append(h('h1', {}, 'Audit'), h('p', {}, 'Checks every model version you can see against the controls and verifies the hash-chained event log.'), run, status, result);
}

function download(label, filename, blob) {
  const button = h('button', { type: 'button' }, label);
  button.addEventListener('click', async () => {
    const url = URL.createObjectURL(await blob());
    const a = h('a', { href: url, download: filename });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  });
  return button;
}
