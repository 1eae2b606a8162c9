/**
 * The vector popcount kernel behind similarity search: a WebAssembly module using SIMD's
 * `i8x16.popcnt` (Node ≥ 16.4 runs it on x86 and ARM), hand-assembled here as bytes so
 * nothing is compiled or downloaded at install or run time. It exports one function:
 *
 *   common(q, t, n, chunks, out)
 *     for each of n fingerprints stored back to back at t (chunks × 16 bytes each):
 *       out[i] = popcount(q AND t_i)      (i32, little-endian, written at out + 4i)
 *
 * Fingerprints are padded with zero words to whole 16-byte chunks. Per chunk the byte
 * counts (≤ 8) are widened pairwise to 16-bit lanes (≤ 16 per chunk) and summed, so a lane
 * cannot overflow below 4,096 chunks (524,288 bits), far above the 65,536 bits allowed.
 * The inner loop handles two chunks per turn when `chunks` is even (2048 bits: 8 turns).
 */

const SIMD = 0xfd;
const op = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  void: 0x40,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Store: 0x36,
} as const;
/** SIMD opcodes (after the 0xfd prefix, LEB128-encoded). */
const simd = {
  load: 0x00,
  const: 0x0c,
  extractLaneI32: 0x1b,
  and: 0x4e,
  popcnt: 0x62,
  addI8: 0x6e,
  extaddPairwiseI16U: 0x7d,
  extaddPairwiseI32U: 0x7f,
  addI16: 0x8e,
  addI32: 0xae,
} as const;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function name(s: string): number[] {
  const bytes = [...Buffer.from(s, 'utf8')];
  return [...uleb(bytes.length), ...bytes];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

// Parameters and locals of `common`.
const Q = 0,
  T = 1,
  N = 2,
  CHUNKS = 3,
  OUT = 4,
  QP = 5,
  J = 6,
  ACC = 7;

function get(i: number): number[] {
  return [op.localGet, i];
}
function set(i: number): number[] {
  return [op.localSet, i];
}
function v(code: number, ...imm: number[]): number[] {
  return [SIMD, ...uleb(code), ...imm];
}
/** acc += pairwise-widened popcount(load(QP + off) & load(T + off)). */
function chunk(offset: number): number[] {
  return [
    ...get(ACC),
    ...get(QP),
    ...v(simd.load, 4, ...uleb(offset)),
    ...get(T),
    ...v(simd.load, 4, ...uleb(offset)),
    ...v(simd.and),
    ...v(simd.popcnt),
    ...v(simd.extaddPairwiseI16U),
    ...v(simd.addI16),
    ...set(ACC),
  ];
}
/** p += bytes */
function advance(p: number, bytes: number): number[] {
  return [...get(p), op.i32Const, ...sleb(bytes), op.i32Add, ...set(p)];
}

function chunkLoop(unroll: 1 | 2): number[] {
  const body: number[] = [];
  for (let u = 0; u < unroll; u++) body.push(...chunk(16 * u));
  return [
    op.loop,
    op.void,
    ...body,
    ...advance(QP, 16 * unroll),
    ...advance(T, 16 * unroll),
    ...get(J),
    op.i32Const,
    ...sleb(unroll),
    op.i32Sub,
    op.localTee,
    J,
    op.brIf,
    0,
    op.end,
  ];
}

/**
 * The end of one target's iteration: store the sum of ACC's four 32-bit lanes at OUT, move OUT
 * on (and whatever `advanceMore` moves), count N down and loop; then close the loop, block
 * and function.
 */
function storeSumAndNext(advanceMore: number[]): number[] {
  const lane = (l: number) => [...get(ACC), ...v(simd.extractLaneI32, l)];
  return [
    ...get(OUT),
    ...lane(0),
    ...lane(1),
    op.i32Add,
    ...lane(2),
    op.i32Add,
    ...lane(3),
    op.i32Add,
    op.i32Store,
    2,
    0,
    ...advance(OUT, 4),
    ...advanceMore,
    ...get(N),
    op.i32Const,
    1,
    op.i32Sub,
    ...set(N),
    op.br,
    0,
    op.end,
    op.end,
    op.end,
  ];
}

/** A function body: its locals ([count of i32, count of v128]) and code, length-prefixed. */
function functionBody([i32s, v128s]: [number, number], code: number[]): number[] {
  const fn = [
    ...vec([
      [i32s, 0x7f],
      [v128s, 0x7b],
    ]),
    ...code,
  ];
  return [...uleb(fn.length), ...fn];
}

function commonBody(unroll: 1 | 2): number[] {
  const code = [
    op.block,
    op.void,
    op.loop,
    op.void,
    ...get(N),
    op.i32Eqz,
    op.brIf,
    1,
    ...v(simd.const, ...new Array<number>(16).fill(0)),
    ...set(ACC),
    ...get(Q),
    ...set(QP),
    ...get(CHUNKS),
    ...set(J),
    ...chunkLoop(unroll),
    // Sum the eight 16-bit lanes: widen to four 32-bit lanes, then add them.
    ...get(ACC),
    ...v(simd.extaddPairwiseI32U),
    ...set(ACC),
    ...storeSumAndNext([]),
  ];
  // Locals: QP, J as i32; ACC as v128.
  return functionBody([2, 1], code);
}

/**
 * `common` for a fixed width of `chunks` ≤ 31: the query sits in v128 locals (loaded once
 * per call), the target's chunks are unrolled, and byte counts add up in 8-bit lanes
 * (≤ 8 per chunk, so ≤ 248 < 256) before one widening at the end.
 */
function unrolledBody(chunks: number): number[] {
  const q = (c: number) => ACC + 1 + c; // query chunk c's local
  const code: number[] = [];
  for (let c = 0; c < chunks; c++) code.push(...get(Q), ...v(simd.load, 4, ...uleb(16 * c)), ...set(q(c)));
  code.push(op.block, op.void, op.loop, op.void, ...get(N), op.i32Eqz, op.brIf, 1);
  for (let c = 0; c < chunks; c++) {
    code.push(...get(T), ...v(simd.load, 4, ...uleb(16 * c)), ...get(q(c)), ...v(simd.and), ...v(simd.popcnt));
    if (c > 0) code.push(...v(simd.addI8));
  }
  code.push(...v(simd.extaddPairwiseI16U), ...v(simd.extaddPairwiseI32U), ...set(ACC), ...storeSumAndNext(advance(T, 16 * chunks)));
  // Locals: QP, J as i32; ACC and the query's chunks as v128.
  return functionBody([2, 1 + chunks], code);
}

/** Widest fingerprint (in 16-byte chunks) the unrolled kernel takes; wider ones loop. */
export const MAX_UNROLLED_CHUNKS = 31;

/**
 * The module's bytes: imports its memory from env.memory, exports `common` for fingerprints
 * of `chunks` 16-byte chunks (unrolled up to 31 chunks = 3,968 bits, a loop beyond).
 */
export function popcountModuleBytes(chunks: number): Uint8Array {
  const i32 = 0x7f;
  const type = [0x60, ...vec([[i32], [i32], [i32], [i32], [i32]]), 0];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec([type])),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('common'), 0x00, 0]])),
    ...section(10, vec([chunks <= MAX_UNROLLED_CHUNKS ? unrolledBody(chunks) : commonBody(chunks % 2 === 0 ? 2 : 1)])),
  ];
  return Uint8Array.from(bytes);
}

export type CommonCounts = (q: number, t: number, n: number, chunks: number, out: number) => void;

export interface PopcountKernel {
  memory: WebAssembly.Memory;
  chunks: number;
  /** popcount(q & t_i) for n fingerprints of `chunks` 16-byte chunks; pointers are byte offsets. */
  common: (q: number, t: number, n: number, out: number) => void;
}

const compiled = new Map<number, WebAssembly.Module | null>();

function compiledFor(chunks: number): WebAssembly.Module | null {
  let m = compiled.get(chunks);
  if (m === undefined) {
    const bytes = popcountModuleBytes(chunks);
    m = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    compiled.set(chunks, m);
  }
  return m;
}

/** Whether this runtime runs WebAssembly SIMD (it does on Node 20; false falls back to JS). */
export function simdAvailable(): boolean {
  return compiledFor(16) !== null;
}

/** A kernel for fingerprints of `chunks` 16-byte chunks, over its own memory of at least `bytes` bytes. */
export function popcountKernel(bytes: number, chunks: number): PopcountKernel {
  const module = compiledFor(chunks);
  if (!module) throw new Error('WebAssembly SIMD is not available in this runtime');
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
  const { common } = new WebAssembly.Instance(module, { env: { memory } }).exports as { common: CommonCounts };
  return { memory, chunks, common: (q, t, n, out) => common(q, t, n, chunks, out) };
}
