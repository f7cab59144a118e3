import { MyContentError } from '@mycontent/core';

/** The parts of the WebAssembly API used here (its types ship with the DOM library only). */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number; maximum: number; shared: true }) => WasmMemory;
};

const compiled = new Map<string, object>();

/**
 * Compiles a kernel module from its base64 text (a generated `*.wasm.ts`), once per process.
 * Workers receive the compiled module in their tasks, not the bytes.
 */
export function compileKernels(base64: string): object {
  let module = compiled.get(base64);
  if (!module) {
    module = new WebAssembly.Module(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    compiled.set(base64, module);
  }
  return module;
}

/** Largest WebAssembly memory: 65,536 pages of 64 KiB (wasm32). */
const MAX_WASM_BYTES = 65536 * 65536;

/**
 * Lays arrays out one after the other (64-byte aligned) in a memory to be: `take(bytes)` returns
 * an offset, `bytes()` the total so far, rounded up to whole 64 KiB pages.
 */
export function createArena(): { take(bytes: number): number; bytes(): number } {
  let at = 0;
  return {
    take(bytes) {
      const offset = at;
      at += Math.ceil(bytes / 64) * 64;
      return offset;
    },
    bytes: () => Math.ceil(at / 65536) * 65536,
  };
}

/**
 * Refuses a training problem over the 4 GiB a WebAssembly memory holds, naming what it needs.
 * `what` describes the problem, e.g. `"323000 users × 46000 items at 64 factors"`.
 */
export function checkWasmCapacity(source: string, bytes: number, what: string, field: string, value: unknown): void {
  if (bytes <= MAX_WASM_BYTES) return;
  throw new MyContentError(
    'CAPACITY',
    `${source.toUpperCase()} needs ${(bytes / 2 ** 30).toFixed(1)} GiB of training memory for ${what}, over the 4 GiB a WebAssembly memory holds; use fewer factors, or train on a sample of users and fold the others in`,
    { source, field, value },
  );
}

/** A shared WebAssembly memory of exactly `bytes` (whole pages), for the kernels and their workers. */
export function createSharedMemory(bytes: number): WasmMemory {
  return new WebAssembly.Memory({ initial: bytes / 65536, maximum: bytes / 65536, shared: true });
}

/**
 * Copies `rows` vectors of `f` floats out of a layout padded to `fp` floats per row, yielding to
 * the event loop between chunks.
 */
export async function unpadRows(buffer: SharedArrayBuffer, offset: number, rows: number, f: number, fp: number, breathe: () => Promise<void>): Promise<Float32Array> {
  const padded = new Float32Array(buffer, offset, rows * fp);
  const out = new Float32Array(rows * f);
  for (let r = 0; r < rows; r += 65536) {
    const end = Math.min(rows, r + 65536);
    if (f === fp) out.set(padded.subarray(r * fp, end * fp), r * f);
    else for (let q = r; q < end; q++) out.set(padded.subarray(q * fp, q * fp + f), q * f);
    await breathe();
  }
  return out;
}

/** The factor count padded to a multiple of 8 floats, as the SIMD kernels expect. */
export const paddedFactors = (f: number): number => Math.ceil(f / 8) * 8;
