/**
 * Dot-product kernels in WebAssembly SIMD (f32x4), assembled here byte by byte so that nothing is
 * downloaded or compiled at install time. Vectors live in the module's memory as rows padded to a
 * multiple of 8 floats (zeros), so every row is a whole number of two-lane-group steps.
 */

/** The parts of the WebAssembly API used here (its types ship with the DOM library only). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
};

const leb = (value: number): number[] => {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
};
const sleb = (value: number): number[] => {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
};
const section = (id: number, bytes: number[]) => [id, ...leb(bytes.length), ...bytes];
const name = (text: string) => [...leb(text.length), ...Array.from(text, (c) => c.charCodeAt(0))];

// Opcodes.
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const END = 0x0b;
const br = (depth: number) => [0x0c, ...leb(depth)];
const brIf = (depth: number) => [0x0d, ...leb(depth)];
const get = (local: number) => [0x20, ...leb(local)];
const set = (local: number) => [0x21, ...leb(local)];
const i32 = (value: number) => [0x41, ...sleb(value)];
const I32_ADD = 0x6a;
const I32_MUL = 0x6c;
const I32_GE_U = 0x4f;
const I32_SHL = 0x74;
const F32_ADD = 0x92;
const f32Store = [0x38, 0x02, 0x00];
const v128Load = (offset = 0) => [0xfd, 0x00, 0x02, ...leb(offset)];
const V128_ZERO = [0xfd, 0x0c, ...new Array(16).fill(0)];
const extract = (lane: number) => [0xfd, 0x1f, lane];
const F32X4_ADD = [0xfd, 0xe4, 0x01];
const F32X4_MUL = [0xfd, 0xe6, 0x01];

/** Pushes the horizontal sum of a v128 local (as f32). */
const hsum = (local: number) => [...get(local), ...extract(0), ...get(local), ...extract(1), F32_ADD, ...get(local), ...extract(2), F32_ADD, ...get(local), ...extract(3), F32_ADD];

/**
 * `dots(q, data, rows, groups, out)`: out[i] = data[i] · q for `rows` rows of `groups` × 8 floats.
 * Two accumulators per row. Locals: 5 i, 6 g, 7 row pointer, 8 query pointer, 9 acc A, 10 acc B.
 */
function dotsBody(): number[] {
  const [q, data, rows, groups, out, i, g, rp, qp, accA, accB] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  return [
    ...leb(2), 4, 0x7f, 2, 0x7b, // locals: 4 × i32, 2 × v128
    ...BLOCK, ...LOOP,
    ...get(i), ...get(rows), I32_GE_U, ...brIf(1),
    ...V128_ZERO, ...set(accA), ...V128_ZERO, ...set(accB),
    // rp = data + i * groups * 32
    ...get(data), ...get(i), ...get(groups), I32_MUL, ...i32(5), I32_SHL, I32_ADD, ...set(rp),
    ...get(q), ...set(qp),
    ...i32(0), ...set(g),
    ...BLOCK, ...LOOP,
    ...get(g), ...get(groups), I32_GE_U, ...brIf(1),
    ...get(accA), ...get(rp), ...v128Load(0), ...get(qp), ...v128Load(0), ...F32X4_MUL, ...F32X4_ADD, ...set(accA),
    ...get(accB), ...get(rp), ...v128Load(16), ...get(qp), ...v128Load(16), ...F32X4_MUL, ...F32X4_ADD, ...set(accB),
    ...get(rp), ...i32(32), I32_ADD, ...set(rp),
    ...get(qp), ...i32(32), I32_ADD, ...set(qp),
    ...get(g), ...i32(1), I32_ADD, ...set(g),
    ...br(0), END, END,
    // out[i] = Σ lanes of accA + accB
    ...get(out), ...get(i), ...i32(2), I32_SHL, I32_ADD,
    ...hsum(accA), ...hsum(accB), F32_ADD,
    ...f32Store,
    ...get(i), ...i32(1), I32_ADD, ...set(i),
    ...br(0), END, END,
    END,
  ];
}

/**
 * `dots4(q, data, rows, groups, out)`: four queries stored one after the other (each groups × 8
 * floats); each row is loaded once for the four. out[t * rows + i] = data[i] · q_t.
 * Locals: 5 i, 6 g, 7 row pointer, 8 query pointer, 9 stride, 10–13 accumulators.
 */
function dots4Body(): number[] {
  const [q, data, rows, groups, out, i, g, rp, qp, stride, a0, a1, a2, a3, row] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];
  const accumulate = (acc: number, t: number) => [
    ...get(acc), ...get(row), ...get(qp), ...(t === 0 ? [] : [...get(stride), ...i32(t), I32_MUL, I32_ADD]), ...v128Load(0), ...F32X4_MUL, ...F32X4_ADD, ...set(acc),
  ];
  const store = (acc: number, t: number) => [
    // out + (t * rows + i) * 4
    ...get(out), ...get(rows), ...i32(t), I32_MUL, ...get(i), I32_ADD, ...i32(2), I32_SHL, I32_ADD,
    ...hsum(acc), ...f32Store,
  ];
  return [
    ...leb(2), 5, 0x7f, 5, 0x7b, // locals: 5 × i32 (i, g, rp, qp, stride), 5 × v128 (a0..a3, row)
    ...get(groups), ...i32(5), I32_SHL, ...set(stride),
    ...BLOCK, ...LOOP,
    ...get(i), ...get(rows), I32_GE_U, ...brIf(1),
    ...V128_ZERO, ...set(a0), ...V128_ZERO, ...set(a1), ...V128_ZERO, ...set(a2), ...V128_ZERO, ...set(a3),
    ...get(data), ...get(i), ...get(stride), I32_MUL, I32_ADD, ...set(rp),
    ...get(q), ...set(qp),
    ...i32(0), ...set(g),
    ...BLOCK, ...LOOP,
    // groups counts 8-float steps: two 4-lane loads per step
    ...get(g), ...get(groups), ...i32(1), I32_SHL, I32_GE_U, ...brIf(1),
    ...get(rp), ...v128Load(0), ...set(row),
    ...accumulate(a0, 0), ...accumulate(a1, 1), ...accumulate(a2, 2), ...accumulate(a3, 3),
    ...get(rp), ...i32(16), I32_ADD, ...set(rp),
    ...get(qp), ...i32(16), I32_ADD, ...set(qp),
    ...get(g), ...i32(1), I32_ADD, ...set(g),
    ...br(0), END, END,
    ...store(a0, 0), ...store(a1, 1), ...store(a2, 2), ...store(a3, 3),
    ...get(i), ...i32(1), I32_ADD, ...set(i),
    ...br(0), END, END,
    END,
  ];
}

function moduleBytes(): Uint8Array {
  const type = [0x60, 5, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0];
  const bodies = [dotsBody(), dots4Body()];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, ...type]),
    ...section(2, [1, ...name('e'), ...name('m'), 0x02, 0x00, 0x01]),
    ...section(3, [2, 0, 0]),
    ...section(7, [2, ...name('dots'), 0x00, 0, ...name('dots4'), 0x00, 1]),
    ...section(10, [2, ...bodies.flatMap((body) => [...leb(body.length), ...body])]),
  ]);
}

/** The SIMD kernels over one growable memory. */
export interface SimdDots {
  readonly memory: WasmMemory;
  /** out[i] = row i · q; byte offsets, rows of `groups` × 8 floats. */
  dots(q: number, data: number, rows: number, groups: number, out: number): void;
  /** Four queries at once (stored consecutively from `q`); out[t * rows + i]. */
  dots4(q: number, data: number, rows: number, groups: number, out: number): void;
}

let compiled: object | null | undefined;

/** Instantiates the kernels, or returns `undefined` where WebAssembly SIMD is unavailable. */
export function createSimdDots(): SimdDots | undefined {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(moduleBytes());
    } catch {
      compiled = null;
    }
  }
  if (!compiled) return undefined;
  const memory = new WebAssembly.Memory({ initial: 1 });
  const instance = new WebAssembly.Instance(compiled, { e: { m: memory } });
  const exports = instance.exports as unknown as Omit<SimdDots, 'memory'>;
  return { memory, dots: exports.dots, dots4: exports.dots4 };
}
