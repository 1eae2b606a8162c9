/**
 * A real webhook receiver for the tests: node:http on 127.0.0.1, port chosen by the OS.
 * It records every request (headers and raw body) and answers with what `answer` says for
 * it (200 by default), so a test can make it fail a given number of times.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookEventBody } from '../../src/notify/delivery.js';

export interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  event: WebhookEventBody;
  /** What the receiver answered. */
  status: number;
}

export class Receiver {
  readonly requests: Received[] = [];
  private server: Server;
  private waiters: Array<{ n: number; resolve: () => void }> = [];
  url = '';

  /** `answer(event, attemptsSoFarForThisEvent)` → the HTTP status to answer. */
  constructor(private readonly answer: (event: WebhookEventBody, attempt: number) => number = () => 200) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const parsed: unknown = JSON.parse(raw);
        const event = parsed as WebhookEventBody; // the test checks the fields it reads
        const attempt = this.requests.filter((r) => r.event.id === event.id).length + 1;
        const status = this.answer(event, attempt);
        this.requests.push({ headers: req.headers, raw, event, status });
        res.writeHead(status).end();
        this.check();
      });
    });
  }

  async start(path = '/hook'): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
    return this;
  }

  /** Requests the receiver accepted (2xx), in arrival order. */
  get accepted(): Received[] {
    return this.requests.filter((r) => r.status >= 200 && r.status < 300);
  }

  /** Resolves once n requests have been accepted. */
  accepts(n: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ n, resolve });
      this.check();
    });
  }

  private check(): void {
    const got = this.accepted.length;
    this.waiters = this.waiters.filter((w) => (got >= w.n ? (w.resolve(), false) : true));
  }

  /** Resolves once n requests (any answer) have come. */
  async requestsAtLeast(n: number): Promise<void> {
    while (this.requests.length < n) await new Promise((r) => setTimeout(r, 5));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
