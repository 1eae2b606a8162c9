import { authHeaders } from './api.js';

// Live updates: the server-sent event stream (/api/v1/events/stream), read with fetch so
// the token travels in the Authorization header (an EventSource cannot send headers, and a
// token in a URL ends up in logs). The server closes each stream after a few seconds; we
// reconnect from the last sequence number seen, so nothing is missed between streams.

const listeners = new Set();
let running = null;

export function onEvent(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function startLive() {
  if (running) return;
  const controller = new AbortController();
  running = controller;
  (async () => {
    let after = null;
    while (!controller.signal.aborted) {
      try {
        const url = after === null ? '/api/v1/events/stream' : `/api/v1/events/stream?after=${after}`;
        const res = await fetch(url, { headers: authHeaders(), signal: controller.signal });
        if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let cut;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const message = parse(buffer.slice(0, cut));
            buffer = buffer.slice(cut + 2);
            if (message.id !== null) after = Number(message.id);
            if (message.event && message.event !== 'head' && message.data) {
              const event = JSON.parse(message.data);
              for (const fn of listeners) fn(event);
            }
          }
        }
      } catch {
        if (controller.signal.aborted) return;
        await new Promise((r) => setTimeout(r, 3000));
      }
    }
  })();
}

export function stopLive() {
  running?.abort();
  running = null;
}

function parse(block) {
  const m = { id: null, event: null, data: '' };
  for (const line of block.split('\n')) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const field = line.slice(0, i);
    const value = line.slice(i + 1).replace(/^ /, '');
    if (field === 'id') m.id = value;
    else if (field === 'event') m.event = value;
    else if (field === 'data') m.data += value;
  }
  return m;
}
