import type { WindowEvidence } from '../monitor/evidence.js';
import { closestPaths, EVIDENCE_PATHS, isEvidencePath, readEvidence, type EvidencePath } from './evidence-paths.js';

/**
 * Rule conditions: a deliberately tiny language, parsed by hand and never evaluated as
 * code (no eval, no Function), so a policy file can only compare evidence to numbers.
 *
 *   comparison := PATH OP LITERAL            e.g. performance.maeRatio > 1.3
 *   OP         := > | >= | < | <= | == | !=
 *   LITERAL    := a number, or true / false (booleans only with == and !=)
 *   condition  := comparison joined by `and`, or by `or`; parentheses group
 *
 * Mixing `and` with `or` needs parentheses: "a and b or c" reads differently to
 * different people, and a threshold agreed in advance must mean one thing.
 */
export type Operator = '>' | '>=' | '<' | '<=' | '==' | '!=';
export const OPERATORS: readonly Operator[] = ['>', '>=', '<', '<=', '==', '!='];

export type Condition = { kind: 'compare'; path: EvidencePath; op: Operator; value: number | boolean } | { kind: 'and' | 'or'; terms: Condition[] };

/** A malformed condition: the message says what is wrong and where (column, 1-based). */
export class ConditionSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConditionSyntaxError';
  }
}

type Token = { type: 'path' | 'op' | 'number' | 'bool' | 'and' | 'or' | '(' | ')'; text: string; col: number };

const OP_WORDS = OPERATORS.join(' ');

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s+|(>=|<=|==|!=|>|<)|(-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)|([()])/y;
  let i = 0;
  while (i < text.length) {
    re.lastIndex = i;
    const m = re.exec(text);
    const col = i + 1;
    if (!m) {
      const rest = text.slice(i);
      const hint = rest.startsWith('&&')
        ? ' (write "and")'
        : rest.startsWith('||')
          ? ' (write "or")'
          : rest.startsWith('=>')
            ? ' (did you mean >=?)'
            : rest.startsWith('=<')
              ? ' (did you mean <=?)'
              : rest.startsWith('=')
                ? ' (compare with ==)'
                : '';
      throw new ConditionSyntaxError(`unexpected "${rest.slice(0, 12)}" at column ${col}${hint}`);
    }
    i = re.lastIndex;
    if (m[1]) tokens.push({ type: 'op', text: m[1], col });
    else if (m[2]) tokens.push({ type: 'number', text: m[2], col });
    else if (m[3]) {
      const word = m[3];
      if (word === 'and' || word === 'or') tokens.push({ type: word, text: word, col });
      else if (word === 'true' || word === 'false') tokens.push({ type: 'bool', text: word, col });
      else tokens.push({ type: 'path', text: word, col });
    } else if (m[4]) tokens.push({ type: m[4] as '(' | ')', text: m[4], col });
  }
  return tokens;
}

/** Deepest parenthesis nesting a condition may have; real policies use two or three. */
export const MAX_CONDITION_DEPTH = 64;

/** Parses a condition; throws ConditionSyntaxError naming the first problem. */
export function parseCondition(text: string): Condition {
  const tokens = tokenize(text);
  if (tokens.length === 0) throw new ConditionSyntaxError(`is empty; write e.g. "performance.maeRatio > 1.3"`);
  let pos = 0;
  const peek = () => tokens[pos];
  const where = (t: Token | undefined) => (t ? `"${t.text}" at column ${t.col}` : 'the end of the condition');

  const group = (): Condition => {
    const first = primary();
    const joiner = peek();
    if (!joiner || (joiner.type !== 'and' && joiner.type !== 'or')) return first;
    const kind = joiner.type;
    const terms = [first];
    while (peek()?.type === kind) {
      pos++;
      terms.push(primary());
    }
    const next = peek();
    if (next && (next.type === 'and' || next.type === 'or')) {
      throw new ConditionSyntaxError(`mixes "and" with "or" at column ${next.col}; add parentheses to say which goes first`);
    }
    // (a and b) and c means a and b and c: flatten, so equal conditions print (and hash) alike.
    return { kind, terms: terms.flatMap((t) => (t.kind === kind ? t.terms : [t])) };
  };

  let depth = 0;
  const primary = (): Condition => {
    const t = peek();
    if (t?.type === '(') {
      // The parser recurses per parenthesis: bound it before the stack is.
      if (++depth > MAX_CONDITION_DEPTH)
        throw new ConditionSyntaxError(`nests parentheses more than ${MAX_CONDITION_DEPTH} deep (at column ${t.col}); simplify the condition`);
      pos++;
      const inner = group();
      depth--;
      const close = peek();
      if (close?.type !== ')') throw new ConditionSyntaxError(`expected ")" but found ${where(close)}`);
      pos++;
      return inner;
    }
    return comparison();
  };

  const comparison = (): Condition => {
    const p = peek();
    if (p?.type !== 'path') throw new ConditionSyntaxError(`expected an evidence path such as performance.maeRatio but found ${where(p)}`);
    pos++;
    if (!isEvidencePath(p.text)) {
      const near = closestPaths(p.text);
      throw new ConditionSyntaxError(
        `unknown evidence path "${p.text}"; ${near.length ? `did you mean ${near.join(' or ')}?` : `known paths: ${Object.keys(EVIDENCE_PATHS).join(', ')}`}`,
      );
    }
    const path = p.text;
    const o = peek();
    if (o?.type !== 'op') throw new ConditionSyntaxError(`expected an operator (${OP_WORDS}) after ${path} but found ${where(o)}`);
    pos++;
    const op = o.text as Operator;
    const v = peek();
    if (v?.type !== 'number' && v?.type !== 'bool')
      throw new ConditionSyntaxError(`expected a number or true/false after "${path} ${op}" but found ${where(v)}`);
    pos++;
    const kind = EVIDENCE_PATHS[path];
    if (kind === 'boolean') {
      if (v.type !== 'bool') throw new ConditionSyntaxError(`${path} is true/false; compare it with == true or == false, not ${v.text}`);
      if (op !== '==' && op !== '!=') throw new ConditionSyntaxError(`${path} is true/false; use == or !=, not ${op}`);
      return { kind: 'compare', path, op, value: v.text === 'true' };
    }
    if (v.type !== 'number') throw new ConditionSyntaxError(`${path} is a number; compare it with a number, not ${v.text}`);
    const value = Number(v.text);
    if (!Number.isFinite(value)) throw new ConditionSyntaxError(`${v.text} at column ${v.col} is too large a number`);
    return { kind: 'compare', path, op, value };
  };

  const result = group();
  if (pos < tokens.length) throw new ConditionSyntaxError(`unexpected ${where(peek())}; join comparisons with "and" or "or"`);
  return result;
}

/** The canonical text of a condition: one space around operators, numbers as JS prints them. */
export function formatCondition(c: Condition, nested = false): string {
  if (c.kind === 'compare') return `${c.path} ${c.op} ${String(c.value)}`;
  const text = c.terms.map((t) => formatCondition(t, true)).join(` ${c.kind} `);
  return nested ? `(${text})` : text;
}

/** Every evidence path a condition reads, in order of first use. */
export function conditionPaths(c: Condition): EvidencePath[] {
  if (c.kind === 'compare') return [c.path];
  return [...new Set(c.terms.flatMap(conditionPaths))];
}

export interface ConditionResult {
  holds: boolean;
  /** The value of each path the condition reads (null: not measurable in this window). */
  values: Partial<Record<EvidencePath, number | boolean | null>>;
  /** Paths that were null, so their comparisons counted as false. */
  unmeasurable: EvidencePath[];
}

/**
 * Evaluates a condition on one window. A comparison on a value that is not measurable
 * (null) is false, whatever the operator: "not measured" is never evidence of a problem,
 * nor of its absence; it is reported in `unmeasurable` instead.
 */
export function evaluateCondition(c: Condition, evidence: WindowEvidence): ConditionResult {
  const values: ConditionResult['values'] = {};
  for (const p of conditionPaths(c)) values[p] = readEvidence(evidence, p);
  const holds = (x: Condition): boolean => {
    if (x.kind !== 'compare') return x.kind === 'and' ? x.terms.map(holds).every(Boolean) : x.terms.map(holds).some(Boolean);
    const v = values[x.path];
    if (v === null || v === undefined) return false;
    switch (x.op) {
      // Loading checked that ordering operators only meet numeric paths and number literals.
      case '>':
        return (v as number) > (x.value as number);
      case '>=':
        return (v as number) >= (x.value as number);
      case '<':
        return (v as number) < (x.value as number);
      case '<=':
        return (v as number) <= (x.value as number);
      case '==':
        return v === x.value;
      case '!=':
        return v !== x.value;
    }
  };
  const unmeasurable = (Object.keys(values) as EvidencePath[]).filter((p) => values[p] === null);
  return { holds: holds(c), values, unmeasurable };
}
