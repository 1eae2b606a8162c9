/**
 * A small SMARTS matcher with RDKit's semantics, for the fixed patterns of RDKit's descriptors
 * (Crippen atom types, Lipinski.cpp's HBD/HBA, strict rotatable bonds, amide bonds). It covers
 * what those patterns use — atom primitives (#n, element, a/A/*, H, D, X, v, R, r, charge,
 * recursive $(…)), logical ! & , ;, bond primitives (- = # : ~ @), branches — and refuses
 * anything else (ring closures, chirality) when the pattern is compiled, not while matching.
 *
 * Semantics follow RDKit's SMARTS (Code/GraphMol/SmilesParse/SmartsWrite.cpp, QueryOps.h):
 * H = total H count including H neighbours, D = explicit degree, X = total degree,
 * v = total valence, R = number of SSSR rings, an unspecified bond = single or aromatic,
 * "-" = single and not aromatic.
 */

/** The molecule a pattern is matched against (one per molecule, built by descriptors-native.ts). */
export interface TargetMol {
  z: ArrayLike<number>;
  charge: ArrayLike<number>;
  aromatic: ArrayLike<number>;
  /** Total hydrogens, counting explicit H neighbours (RDKit getTotalNumHs(true)). */
  totalHs: ArrayLike<number>;
  /** Explicit neighbours (RDKit getDegree). */
  degree: ArrayLike<number>;
  /** Neighbours plus implicit hydrogens (RDKit getTotalDegree). */
  totalDegree: ArrayLike<number>;
  /** Total valence (RDKit getTotalValence). */
  valence: ArrayLike<number>;
  /** SSSR rings containing the atom. */
  ringCount: ArrayLike<number>;
  /** Sizes of the SSSR rings containing the atom. */
  ringSizes: readonly (readonly number[])[];
  /** Neighbour atoms and, in the same order, the bonds to them. */
  neighbours: readonly (readonly number[])[];
  neighbourBonds: readonly (readonly number[])[];
  /** Kekulé bond order (1, 2, 3). */
  bondOrder: ArrayLike<number>;
  bondAromatic: ArrayLike<number>;
  bondInRing: ArrayLike<number>;
}

type AtomTest = (m: TargetMol, i: number, memo: Memo) => boolean;
type BondTest = (m: TargetMol, b: number) => boolean;
/** Recursive-SMARTS results per target molecule: pattern id → per-atom 0 unknown, 1 no, 2 yes. */
type Memo = Map<number, Int8Array>;

export interface Pattern {
  readonly atoms: readonly AtomTest[];
  /**
   * The atomic numbers the first query atom can match, or null for any: a sound
   * over-approximation (element primitives and their AND/OR; anything else means "any"),
   * so a caller may skip the pattern for atoms of other elements.
   */
  readonly rootElements: ReadonlySet<number> | null;
  /** For atom k > 0: the query atom it hangs from (always an earlier one) and the bond test. */
  readonly parent: readonly number[];
  readonly bond: readonly BondTest[];
}

let nextRecursiveId = 0;

/** Atomic numbers an atom test can match, where known (absent: any element). */
const elementsOf = new WeakMap<AtomTest, ReadonlySet<number>>();
function withElements(t: AtomTest, zs: ReadonlySet<number> | undefined): AtomTest {
  if (zs) elementsOf.set(t, zs);
  return t;
}
function bothElements(a: AtomTest, b: AtomTest): ReadonlySet<number> | undefined {
  const za = elementsOf.get(a);
  const zb = elementsOf.get(b);
  if (!za) return zb;
  if (!zb) return za;
  return new Set([...za].filter((z) => zb.has(z)));
}
function eitherElements(a: AtomTest, b: AtomTest): ReadonlySet<number> | undefined {
  const za = elementsOf.get(a);
  const zb = elementsOf.get(b);
  return za && zb ? new Set([...za, ...zb]) : undefined;
}

const ALIPHATIC: Record<string, number> = { B: 5, C: 6, N: 7, O: 8, F: 9, P: 15, S: 16, Cl: 17, Br: 35, I: 53, Si: 14, Se: 34 };
const AROMATIC: Record<string, number> = { b: 5, c: 6, n: 7, o: 8, p: 15, s: 16 };
const TWO_LETTER = new Set(['Cl', 'Br', 'Si', 'Se']);
const BARE = new Set(['B', 'C', 'N', 'O', 'F', 'P', 'S', 'Cl', 'Br', 'I', 'b', 'c', 'n', 'o', 'p', 's', '*', 'a', 'A']);

class Parser {
  private pos = 0;
  constructor(private readonly src: string) {}

  fail(why: string): never {
    throw new Error(`SMARTS ${this.src}: ${why} at ${this.pos}`);
  }
  private peek(): string {
    return this.src[this.pos] ?? '';
  }
  private number(fallback: number): number {
    const m = /^\d+/.exec(this.src.slice(this.pos));
    if (!m) return fallback;
    this.pos += m[0].length;
    return Number(m[0]);
  }

  pattern(): Pattern {
    const atoms: AtomTest[] = [];
    const parent: number[] = [-1];
    const bond: BondTest[] = [() => true];
    atoms.push(this.atom());
    this.chain(0, atoms, parent, bond);
    if (this.pos !== this.src.length) this.fail(`unexpected "${this.peek()}"`);
    return { atoms, rootElements: elementsOf.get(atoms[0]!) ?? null, parent, bond };
  }

  private chain(from: number, atoms: AtomTest[], parent: number[], bond: BondTest[]): void {
    let prev = from;
    for (;;) {
      const c = this.peek();
      if (c === '(') {
        this.pos++;
        const b = this.bondExpr();
        atoms.push(this.atom());
        parent.push(prev);
        bond.push(b);
        this.chain(atoms.length - 1, atoms, parent, bond);
        if (this.peek() !== ')') this.fail('unclosed branch');
        this.pos++;
      } else if (c === '' || c === ')') {
        return;
      } else if (/\d|%/.test(c)) {
        this.fail('ring closures are not supported');
      } else {
        const b = this.bondExpr();
        atoms.push(this.atom());
        parent.push(prev);
        bond.push(b);
        prev = atoms.length - 1;
      }
    }
  }

  private atom(): AtomTest {
    const c = this.peek();
    if (c === '[') {
      this.pos++;
      const t = this.atomLowAnd();
      if (this.peek() !== ']') this.fail('unclosed bracket atom');
      this.pos++;
      return t;
    }
    const two = this.src.slice(this.pos, this.pos + 2);
    const sym = TWO_LETTER.has(two) && BARE.has(two) ? two : c;
    if (!BARE.has(sym)) this.fail(`unsupported atom "${c}"`);
    this.pos += sym.length;
    return this.symbolTest(sym);
  }

  private symbolTest(sym: string): AtomTest {
    if (sym === '*') return () => true;
    if (sym === 'a') return (m, i) => m.aromatic[i] === 1;
    if (sym === 'A') return (m, i) => m.aromatic[i] !== 1;
    const ali = ALIPHATIC[sym];
    if (ali !== undefined) return withElements((m, i) => m.z[i] === ali && m.aromatic[i] !== 1, new Set([ali]));
    const aro = AROMATIC[sym];
    if (aro !== undefined) return withElements((m, i) => m.z[i] === aro && m.aromatic[i] === 1, new Set([aro]));
    return this.fail(`unknown element ${sym}`);
  }

  private atomLowAnd(): AtomTest {
    let t = this.atomOr();
    while (this.peek() === ';') {
      this.pos++;
      const a = t;
      const b = this.atomOr();
      t = withElements((m, i, memo) => a(m, i, memo) && b(m, i, memo), bothElements(a, b));
    }
    return t;
  }

  private atomOr(): AtomTest {
    let t = this.atomHighAnd();
    while (this.peek() === ',') {
      this.pos++;
      const a = t;
      const b = this.atomHighAnd();
      t = withElements((m, i, memo) => a(m, i, memo) || b(m, i, memo), eitherElements(a, b));
    }
    return t;
  }

  private atomHighAnd(): AtomTest {
    let t = this.atomUnary();
    for (;;) {
      const c = this.peek();
      if (c === '&') this.pos++;
      else if (c === '' || c === ']' || c === ';' || c === ',' || c === ')') return t;
      const a = t;
      const b = this.atomUnary();
      t = withElements((m, i, memo) => a(m, i, memo) && b(m, i, memo), bothElements(a, b));
    }
  }

  private atomUnary(): AtomTest {
    if (this.peek() === '!') {
      this.pos++;
      const a = this.atomUnary();
      return (m, i, memo) => !a(m, i, memo);
    }
    return this.atomPrimitive();
  }

  private atomPrimitive(): AtomTest {
    const c = this.peek();
    const two = this.src.slice(this.pos, this.pos + 2);
    if (TWO_LETTER.has(two)) {
      this.pos += 2;
      return this.symbolTest(two);
    }
    this.pos++;
    switch (c) {
      case '*':
      case 'a':
      case 'A':
        return this.symbolTest(c);
      case '#': {
        const z = this.number(-1);
        if (z < 0) this.fail('# without a number');
        return withElements((m, i) => m.z[i] === z, new Set([z]));
      }
      case 'H': {
        const n = this.number(1);
        return (m, i) => m.totalHs[i] === n;
      }
      case 'D': {
        const n = this.number(1);
        return (m, i) => m.degree[i] === n;
      }
      case 'X': {
        const n = this.number(1);
        return (m, i) => m.totalDegree[i] === n;
      }
      case 'v': {
        const n = this.number(1);
        return (m, i) => m.valence[i] === n;
      }
      case 'R': {
        const n = this.number(-1);
        return n < 0 ? (m, i) => m.ringCount[i]! > 0 : (m, i) => m.ringCount[i] === n;
      }
      case 'r': {
        const n = this.number(-1);
        return n < 0 ? (m, i) => m.ringCount[i]! > 0 : (m, i) => m.ringSizes[i]!.includes(n);
      }
      case '+':
      case '-': {
        const sign = c === '+' ? 1 : -1;
        let n = this.number(-1);
        if (n < 0) {
          n = 1;
          while (this.peek() === c) {
            this.pos++;
            n++;
          }
        }
        const charge = sign * n;
        return (m, i) => m.charge[i] === charge;
      }
      case '$': {
        if (this.peek() !== '(') this.fail('$ without (');
        this.pos++;
        const start = this.pos;
        let depth = 1;
        while (depth > 0) {
          const d = this.src[this.pos++];
          if (d === undefined) this.fail('unclosed $(');
          if (d === '(') depth++;
          else if (d === ')') depth--;
        }
        const inner = compileSmarts(this.src.slice(start, this.pos - 1));
        const id = nextRecursiveId++;
        return (m, i, memo) => {
          let seen = memo.get(id);
          if (!seen) {
            seen = new Int8Array(m.z.length);
            memo.set(id, seen);
          }
          if (seen[i] === 0) seen[i] = matchesAt(inner, m, i, memo) ? 2 : 1;
          return seen[i] === 2;
        };
      }
      default: {
        if (AROMATIC[c] !== undefined || ALIPHATIC[c] !== undefined) return this.symbolTest(c);
        return this.fail(`unsupported primitive "${c}"`);
      }
    }
  }

  private bondExpr(): BondTest {
    const c = this.peek();
    if (!'-=#:~@!'.includes(c) || c === '') return (m, b) => m.bondAromatic[b] === 1 || m.bondOrder[b] === 1;
    return this.bondLowAnd();
  }

  private bondLowAnd(): BondTest {
    let t = this.bondOr();
    while (this.peek() === ';') {
      this.pos++;
      const a = t;
      const b = this.bondOr();
      t = (m, x) => a(m, x) && b(m, x);
    }
    return t;
  }

  private bondOr(): BondTest {
    let t = this.bondHighAnd();
    while (this.peek() === ',') {
      this.pos++;
      const a = t;
      const b = this.bondHighAnd();
      t = (m, x) => a(m, x) || b(m, x);
    }
    return t;
  }

  private bondHighAnd(): BondTest {
    let t = this.bondUnary();
    for (;;) {
      const c = this.peek();
      if (c === '&') this.pos++;
      else if (!'-=#:~@!'.includes(c) || c === '') return t;
      const a = t;
      const b = this.bondUnary();
      t = (m, x) => a(m, x) && b(m, x);
    }
  }

  private bondUnary(): BondTest {
    const c = this.peek();
    this.pos++;
    switch (c) {
      case '!': {
        const a = this.bondUnary();
        return (m, x) => !a(m, x);
      }
      case '-':
        return (m, x) => m.bondAromatic[x] !== 1 && m.bondOrder[x] === 1;
      case '=':
        return (m, x) => m.bondAromatic[x] !== 1 && m.bondOrder[x] === 2;
      case '#':
        return (m, x) => m.bondAromatic[x] !== 1 && m.bondOrder[x] === 3;
      case ':':
        return (m, x) => m.bondAromatic[x] === 1;
      case '~':
        return () => true;
      case '@':
        return (m, x) => m.bondInRing[x] === 1;
      default:
        return this.fail(`unsupported bond "${c}"`);
    }
  }
}

/** Compile a SMARTS of the supported subset; throws (a programming error) on anything else. */
export function compileSmarts(smarts: string): Pattern {
  return new Parser(smarts).pattern();
}

/** A fresh recursive-SMARTS memo: one per target molecule. */
export function newMemo(): Memo {
  return new Map();
}

/** Whether the pattern has an embedding whose first query atom is target atom `root`. */
export function matchesAt(p: Pattern, m: TargetMol, root: number, memo: Memo): boolean {
  if (!p.atoms[0]!(m, root, memo)) return false;
  if (p.atoms.length === 1) return true;
  const mapped = new Int32Array(p.atoms.length).fill(-1);
  mapped[0] = root;
  return extend(p, m, mapped, 1, memo, null);
}

/**
 * Embeddings counted the way RDKit's SubstructMatch does by default (uniquify: embeddings
 * covering the same set of atoms count once).
 */
export function countMatches(p: Pattern, m: TargetMol, memo: Memo): number {
  const n = m.z.length;
  if (p.atoms.length === 1) {
    let count = 0;
    for (let i = 0; i < n; i++) if (p.atoms[0]!(m, i, memo)) count++;
    return count;
  }
  const seen = new Set<string>();
  const mapped = new Int32Array(p.atoms.length).fill(-1);
  for (let i = 0; i < n; i++) {
    if (!p.atoms[0]!(m, i, memo)) continue;
    mapped[0] = i;
    extend(p, m, mapped, 1, memo, (full) => {
      seen.add(
        Array.from(full)
          .sort((a, b) => a - b)
          .join(','),
      );
    });
  }
  return seen.size;
}

/** Depth-first embedding of query atoms k.. ; with `onMatch` it enumerates all, else stops at the first. */
function extend(p: Pattern, m: TargetMol, mapped: Int32Array, k: number, memo: Memo, onMatch: ((mapped: Int32Array) => void) | null): boolean {
  if (k === p.atoms.length) {
    if (!onMatch) return true;
    onMatch(mapped);
    return false;
  }
  const from = mapped[p.parent[k]!]!;
  const nbrs = m.neighbours[from]!;
  const bonds = m.neighbourBonds[from]!;
  for (let j = 0; j < nbrs.length; j++) {
    const t = nbrs[j]!;
    if (mapped.includes(t)) continue;
    if (!p.bond[k]!(m, bonds[j]!) || !p.atoms[k]!(m, t, memo)) continue;
    mapped[k] = t;
    if (extend(p, m, mapped, k + 1, memo, onMatch)) return true;
    mapped[k] = -1;
  }
  return false;
}
