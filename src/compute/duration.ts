import { RotguardError } from '../core/errors.js';

/**
 * Durations as people and Slurm write them: `90s`, `45m`, `2h`, `1d`, `1h30m`, or Slurm's
 * `MM`, `HH:MM:SS`, `D-HH:MM:SS`. Returned in whole seconds.
 */
export function parseDuration(text: string, field = 'time'): number {
  const t = text.trim();
  const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
  const compound = /^(?:(\d+(?:\.\d+)?)d)?(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?:in)?)?(?:(\d+(?:\.\d+)?)s)?$/i.exec(t);
  if (compound && t && compound.slice(1).some((g) => g !== undefined)) {
    const [d, h, m, s] = compound.slice(1).map((g) => Number(g ?? 0));
    return Math.round(d! * units.d! + h! * units.h! + m! * units.m! + s!);
  }
  const slurm = /^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$/.exec(t);
  if (slurm) {
    const [, d, a, b, c] = slurm;
    const days = Number(d ?? 0);
    // Slurm: "MM", "MM:SS", "HH:MM:SS"; with days: "D-HH", "D-HH:MM", "D-HH:MM:SS".
    let seconds: number;
    if (d !== undefined) seconds = Number(a) * 3600 + Number(b ?? 0) * 60 + Number(c ?? 0);
    else if (c !== undefined) seconds = Number(a) * 3600 + Number(b) * 60 + Number(c);
    else if (b !== undefined) seconds = Number(a) * 60 + Number(b);
    else seconds = Number(a) * 60;
    return days * 86400 + seconds;
  }
  throw new RotguardError('bad_duration', `cannot read "${text}" as a duration: use e.g. 90s, 45m, 2h, 1h30m, 1d or Slurm's HH:MM:SS`, { field });
}

/** Seconds as Slurm's `D-HH:MM:SS` (for sbatch --time), rounded up to a whole minute as Slurm does. */
export function slurmTime(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d}-${pad(h)}:${pad(m)}:00`;
}

/** Seconds for people: `45 s`, `12 min`, `2.5 h`. */
export function humanDuration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
