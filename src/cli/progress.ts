/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal (so logs and
 * pipes stay clean) and at most every 100 ms.
 */
export class ProgressBar {
  private readonly enabled: boolean;
  private readonly started = performance.now();
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly label: string,
    stream: NodeJS.WriteStream = process.stderr,
    enabled = Boolean(stream.isTTY) && !process.env.CI,
  ) {
    this.stream = stream;
    this.enabled = enabled;
  }

  private readonly stream: NodeJS.WriteStream;

  update(fraction: number, detail: string, force = false): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const f = Math.min(1, Math.max(0, fraction));
    const width = 28;
    const full = Math.round(f * width);
    const elapsed = (now - this.started) / 1000;
    const eta = f > 0.01 && f < 1 ? ` ETA ${formatSeconds((elapsed * (1 - f)) / f)}` : '';
    const line = `${this.label} ${'█'.repeat(full)}${'░'.repeat(width - full)} ${(f * 100).toFixed(0).padStart(3)}% ${detail}${eta}`;
    this.stream.write(`\r${line.slice(0, (this.stream.columns ?? 120) - 1)}\x1b[K`);
    this.drawn = true;
  }

  done(): void {
    if (this.enabled && this.drawn) this.stream.write('\r\x1b[K');
  }
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(0)}s`;
  return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}
