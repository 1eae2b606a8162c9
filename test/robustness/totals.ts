import { existsSync, readFileSync } from 'node:fs';

/** Sums the JSON lines the robustness suites appended (see tally.ts) and prints the totals. */
const file = process.argv[2] ?? 'dist/robustness-tally.jsonl';
if (!existsSync(file)) {
  process.stderr.write(`no tally at ${file}: run the suites with ROTGUARD_ROBUSTNESS_TALLY=${file}\n`);
  process.exit(1);
}
const totals = new Map<string, { handled: number; tried: number }>();
for (const line of readFileSync(file, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const { kind, handled, tried } = JSON.parse(line) as { kind: string; handled: number; tried: number };
  const t = totals.get(kind) ?? totals.set(kind, { handled: 0, tried: 0 }).get(kind)!;
  t.handled += handled;
  t.tried += tried;
}
for (const [kind, t] of [...totals].sort()) process.stdout.write(`${kind}: ${t.handled} handled / ${t.tried} tried\n`);
process.exit([...totals.values()].every((t) => t.handled === t.tried) ? 0 : 3);
