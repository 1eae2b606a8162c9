import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { yamlLineLocator, yamlToJs } from '../core/yaml-file.js';
import { RotguardError } from '../core/errors.js';

/**
 * The knobs of the simulated solubility programme that `rotguard demo` replays (see
 * programme.ts for how each one is used). Every field has a default; a scenario file
 * (YAML or JSON) overrides any of them, e.g.
 *
 *   seed: 11
 *   weeks: 40
 *   newSeries: { week: 12, share: 0.6 }
 *   protocolChange: { week: 30, shift: 0.8 }
 *
 * Keys may also be written in snake_case (new_series, protocol_change, label_delay_weeks,
 * second_site, batch_sd, …), as the project's other YAML files are.
 */
export interface Scenario {
  /** Seed of every random draw (chemistry, sites, dates, noise). Default 7. */
  seed: number;
  /** ISO date (a Monday) of programme week 1. Default: the Monday 52 weeks before today (UTC). */
  start: string;
  /** Programme weeks. Default 52. */
  weeks: number;
  /** Weeks of data before week 1: the initial training data. Default 26. */
  historyWeeks: number;
  /** New compounds synthesised per week (history weeks too). Default 24. */
  compoundsPerWeek: number;
  /** Whole weeks between measurement and report; each batch draws a delay in days uniformly from [7·min, 7·max]. Default 2–6. */
  labelDelayWeeks: { min: number; max: number };
  /** Share of each week's compounds measured at site 2, its standing offset (log units) and the SD of its per-batch offset. */
  secondSite: { share: number; offset: number; batchSd: number };
  /** The new chemical series: programme week it arrives, its share of compounds from then on, its effect vs the ESOL truth (log units). */
  newSeries: { week: number; share: number; effect: number };
  /** From this programme week site 1 measures under protocol version 2, shifted by `shift` log units. */
  protocolChange: { week: number; shift: number };
  /** Reference (control) compounds measured in every batch at every site. */
  references: { count: number };
  /** Assay noise SD in log units. */
  noiseSd: number;
}

const DAY_MS = 86_400_000;

/** At most this many reference drugs are defined (programme.ts REFERENCE_DRUGS). */
export const MAX_REFERENCES = 10;

/** The defaults; `now` fixes "today" (tests pass one so the start date does not move). */
export function defaultScenario(now: Date = new Date()): Scenario {
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const monday = today - ((new Date(today).getUTCDay() + 6) % 7) * DAY_MS;
  const start = new Date(monday - 52 * 7 * DAY_MS).toISOString().slice(0, 10);
  return {
    seed: 7,
    start,
    weeks: 52,
    historyWeeks: 26,
    compoundsPerWeek: 24,
    labelDelayWeeks: { min: 2, max: 6 },
    secondSite: { share: 0.3, offset: 0.3, batchSd: 0.1 },
    newSeries: { week: 20, share: 0.5, effect: -1.0 },
    protocolChange: { week: 38, shift: 0.6 },
    references: { count: 6 },
    noiseSd: 0.2,
  };
}

type FieldPath = (string | number)[];
type LineOf = (path: FieldPath) => number | undefined;
type Kind = 'int' | 'number' | 'date';
interface Leaf {
  kind: Kind;
  min?: number;
  max?: number;
  help: string;
}

/** Every field with its type, range and a few words for the error message. */
const SPEC: Record<string, Leaf | Record<string, Leaf>> = {
  seed: { kind: 'int', min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER, help: 'a whole number' },
  start: { kind: 'date', help: 'an ISO date (YYYY-MM-DD) that is a Monday' },
  weeks: { kind: 'int', min: 1, max: 260, help: 'programme weeks' },
  historyWeeks: { kind: 'int', min: 1, max: 260, help: 'weeks of history before week 1' },
  compoundsPerWeek: { kind: 'int', min: 1, max: 200, help: 'compounds per week' },
  labelDelayWeeks: {
    min: { kind: 'int', min: 0, max: 52, help: 'whole weeks' },
    max: { kind: 'int', min: 0, max: 52, help: 'whole weeks' },
  },
  secondSite: {
    share: { kind: 'number', min: 0, max: 1, help: 'a share' },
    offset: { kind: 'number', min: -3, max: 3, help: 'log units' },
    batchSd: { kind: 'number', min: 0, max: 2, help: 'log units' },
  },
  newSeries: {
    week: { kind: 'int', min: 1, max: 260, help: 'a programme week' },
    share: { kind: 'number', min: 0, max: 1, help: 'a share' },
    effect: { kind: 'number', min: -3, max: 3, help: 'log units' },
  },
  protocolChange: {
    week: { kind: 'int', min: 1, max: 260, help: 'a programme week' },
    shift: { kind: 'number', min: -3, max: 3, help: 'log units' },
  },
  references: {
    count: { kind: 'int', min: 0, max: MAX_REFERENCES, help: 'reference compounds' },
  },
  noiseSd: { kind: 'number', min: 0, max: 2, help: 'log units' },
};

const isLeaf = (s: Leaf | Record<string, Leaf>): s is Leaf => typeof (s as Leaf).kind === 'string';

/** snake_case spelling of a camelCase key (newSeries → new_series). */
function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}

function fieldName(path: FieldPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${p}` : p)).join('');
}

/** Line locators of documents read by readScenarioFile, so resolveScenario finds lines by itself. */
const documentOrigins = new WeakMap<object, { file: string; lineOf: LineOf }>();

/**
 * Applies `overrides` (a parsed scenario file, or an object) to `base` and validates every
 * field of the result: types, ranges, newSeries.week and protocolChange.week within
 * 1..weeks, labelDelayWeeks.min ≤ max, start a Monday. Errors are RotguardError
 * `bad_scenario` with the field path and, where known, the file and line.
 */
export function resolveScenario(
  base: Scenario,
  overrides: unknown,
  origin?: { file?: string; lineOf?: (path: (string | number)[]) => number | undefined },
): Scenario {
  const remembered = overrides && typeof overrides === 'object' ? documentOrigins.get(overrides) : undefined;
  const file = origin?.file ?? remembered?.file;
  const lineOf: LineOf = origin?.lineOf ?? remembered?.lineOf ?? (() => undefined);
  // Where each canonical field was given in the overrides (its path as written there).
  const given = new Map<string, FieldPath>();
  const fail = (canonical: string, message: string, written?: FieldPath): never => {
    const path = written ?? given.get(canonical);
    throw new RotguardError('bad_scenario', message, { file, line: path ? lineOf(path) : undefined, field: path ? fieldName(path) : canonical });
  };

  const merged = structuredClone(base) as unknown as Record<string, unknown>;
  if (overrides !== undefined && overrides !== null) {
    if (typeof overrides !== 'object' || Array.isArray(overrides)) {
      throw new RotguardError('bad_scenario', `a scenario must be a mapping of fields (seed, start, weeks, …), got ${JSON.stringify(overrides)}`, {
        file,
        line: lineOf([]),
      });
    }
    const o = overrides as Record<string, unknown>;
    const top = resolveKeys(o, [], Object.keys(SPEC), fail);
    for (const [key, written] of top) {
      const spec = SPEC[key]!;
      const value = o[written]!;
      if (isLeaf(spec)) {
        given.set(key, [written]);
        merged[key] = value;
        continue;
      }
      if (!value || typeof value !== 'object' || Array.isArray(value)) {
        fail(key, `${key} must be a mapping of ${Object.keys(spec).join(', ')}, got ${JSON.stringify(value)}`, [written]);
      }
      const inner = value as Record<string, unknown>;
      const target = { ...(merged[key] as Record<string, unknown>) };
      for (const [sub, writtenSub] of resolveKeys(inner, [written], Object.keys(spec), fail)) {
        given.set(`${key}.${sub}`, [written, writtenSub]);
        target[sub] = inner[writtenSub];
      }
      merged[key] = target;
    }
  }

  // Types and ranges of every field, in declaration order.
  for (const [key, spec] of Object.entries(SPEC)) {
    if (isLeaf(spec)) {
      checkLeaf(key, merged[key], spec, fail);
      continue;
    }
    const group = merged[key];
    if (!group || typeof group !== 'object') fail(key, `${key} is missing`);
    for (const [sub, leaf] of Object.entries(spec)) checkLeaf(`${key}.${sub}`, (group as Record<string, unknown>)[sub], leaf, fail);
  }
  const s = merged as unknown as Scenario;

  // Relations between fields. A relation broken by a field the file did not set names the one it did.
  const blame = (field: string, other: string) => (given.has(field) || !given.has(other) ? field : other);
  if (s.labelDelayWeeks.min > s.labelDelayWeeks.max) {
    const f = blame('labelDelayWeeks.min', 'labelDelayWeeks.max');
    fail(f, `labelDelayWeeks.min (${s.labelDelayWeeks.min}) must not exceed labelDelayWeeks.max (${s.labelDelayWeeks.max})`, given.get(f));
  }
  for (const field of ['newSeries.week', 'protocolChange.week'] as const) {
    const week = field === 'newSeries.week' ? s.newSeries.week : s.protocolChange.week;
    if (week > s.weeks) {
      const f = blame(field, 'weeks');
      fail(f, `${field} (${week}) must be a programme week within 1..weeks (${s.weeks})`, given.get(f));
    }
  }
  return s;
}

/** Maps each canonical key to the key as written (camelCase or snake_case); unknown or doubled keys fail. */
function resolveKeys(
  o: Record<string, unknown>,
  at: FieldPath,
  known: string[],
  fail: (canonical: string, message: string, written?: FieldPath) => never,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const written of Object.keys(o)) {
    const canonical = known.find((k) => k === written || snake(k) === written);
    const prefix = at.length ? `${at.join('.')}.` : '';
    if (!canonical) fail(prefix + written, `unknown field "${prefix}${written}" (expected ${known.join(', ')})`, [...at, written]);
    if (out.has(canonical!)) fail(prefix + canonical!, `${prefix}${canonical} is given twice (as ${out.get(canonical!)} and ${written})`, [...at, written]);
    out.set(canonical!, written);
  }
  return out;
}

function checkLeaf(field: string, v: unknown, spec: Leaf, fail: (canonical: string, message: string) => never): void {
  if (spec.kind === 'date') {
    const m = typeof v === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(v) : null;
    const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
    if (!m || Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== v) fail(field, `${field} must be ${spec.help}, got ${JSON.stringify(v)}`);
    const dow = new Date(t).getUTCDay();
    if (dow !== 1)
      fail(
        field,
        `${field} must be a Monday (programme weeks run Monday to Sunday); ${v} is a ${['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][dow]}`,
      );
    return;
  }
  const range = spec.kind === 'int' && spec.min === Number.MIN_SAFE_INTEGER ? '' : ` from ${spec.min} to ${spec.max}`;
  const what = spec.kind === 'int' ? `a whole number${range}` : `a number${range}`;
  if (typeof v !== 'number' || !Number.isFinite(v) || (spec.kind === 'int' && !Number.isInteger(v))) {
    fail(field, `${field} must be ${what} (${spec.help}), got ${JSON.stringify(v)}`);
  }
  if ((v as number) < spec.min! || (v as number) > spec.max!) fail(field, `${field} must be ${what} (${spec.help}), got ${v}`);
}

/**
 * Reads a scenario file, YAML or JSON (by the .json extension; anything else is YAML), and
 * returns the parsed document for resolveScenario. Parse errors are RotguardError
 * `bad_yaml` / `bad_json` with the file and line. The returned object remembers its file
 * and lines, so resolveScenario(base, readScenarioFile(p)) reports validation errors
 * with file:line without being told the origin.
 */
export function readScenarioFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RotguardError('file_not_found', `cannot read scenario ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`, { file: path });
  }
  return parseScenarioText(text, path);
}

/** readScenarioFile on text already read; `file` names it in errors and decides JSON (.json) or YAML. */
export function parseScenarioText(text: string, file: string): unknown {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const json = /\.json$/i.test(file);
  if (json) {
    try {
      JSON.parse(text);
    } catch (e) {
      const message = (e as Error).message;
      const pos = /position (\d+)/.exec(message);
      const lineMatch = /line (\d+)/.exec(message);
      const line = pos ? text.slice(0, Number(pos[1])).split('\n').length : lineMatch ? Number(lineMatch[1]) : undefined;
      throw new RotguardError('bad_json', `scenario is not valid JSON: ${message.split('\n')[0]}`, { file, line });
    }
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const err = doc.errors[0];
  if (err) {
    // JSON that JSON.parse accepts can still fail here (a key given twice): report it as JSON.
    const [code, what] = json ? (['bad_json', 'JSON'] as const) : (['bad_yaml', 'YAML'] as const);
    throw new RotguardError(code, `scenario is not valid ${what}: ${err.message.split('\n')[0]}`, { file, line: err.linePos?.[0]?.line });
  }
  const value: unknown = yamlToJs(doc, 'scenario', file);
  const lineOf: LineOf = yamlLineLocator(doc, lines, true);
  if (value && typeof value === 'object') documentOrigins.set(value, { file, lineOf });
  return value;
}

/** Reads, applies and validates a scenario file over `base` (the defaults when not given). */
export function loadScenarioFile(path: string, base: Scenario = defaultScenario()): Scenario {
  return resolveScenario(base, readScenarioFile(path));
}
