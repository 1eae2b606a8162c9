import { api, ApiError, session } from '../api.js';
import { h } from '../dom.js';

/** Sign in by pasting an API token (from "rotguard users add"); it is checked against /api/v1/me before it is kept. */
export function loginPage(main, { message, onToken }) {
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false', 'aria-describedby': 'token-help' });
  const status = h('p', { id: 'login-status', role: 'alert', className: message ? 'error' : '' }, message ?? '');
  const form = h(
    'form',
    { className: 'login', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, 'Sign in to rotguard'),
    h('label', { for: 'token' }, 'API token'),
    input,
    h('p', { id: 'token-help', className: 'muted' }, 'Paste the token printed by "rotguard users add" (rg_…). It is kept in this tab only.'),
    h('button', { type: 'submit' }, 'Sign in'),
    status,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const token = input.value.trim();
    session.token = token;
    try {
      await api('/me');
    } catch (e) {
      session.clear();
      status.className = 'error';
      status.textContent = e instanceof ApiError && e.status === 401 ? `Not signed in: ${e.message}` : e.message;
      return;
    }
    await onToken(token);
  });
  main.append(form);
  input.focus();
}
