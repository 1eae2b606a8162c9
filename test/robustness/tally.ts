import { appendFileSync } from 'node:fs';

/**
 * Counts the robustness suites' outcomes by kind ("bad inputs", "faults", "tampers",
 * "concurrency"): each case says whether it was handled. Every file prints its totals;
 * with ROTGUARD_ROBUSTNESS_TALLY=FILE they are also appended to FILE as JSON lines, which
 * `npm run test:robustness` sums (test/robustness/totals.ts).
 */
const counts = new Map<string, { handled: number; tried: number }>();
let hooked = false;

export function tally(kind: string, handled: boolean): void {
  const c = counts.get(kind) ?? counts.set(kind, { handled: 0, tried: 0 }).get(kind)!;
  c.tried++;
  if (handled) c.handled++;
  if (!hooked) {
    hooked = true;
    process.on('exit', report);
  }
}

function report(): void {
  for (const [kind, c] of counts) {
    process.stdout.write(`# robustness ${kind}: ${c.handled} handled / ${c.tried} tried\n`);
    const file = process.env.ROTGUARD_ROBUSTNESS_TALLY;
    if (file) appendFileSync(file, JSON.stringify({ kind, ...c }) + '\n');
  }
}
