// Central finite differences, in double precision, for the neural layers' backward passes.
const EPS = 1e-6;

/** A seeded generator of numbers in [-0.5, 0.5). */
export function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32 - 0.5;
  };
}

/** `length` numbers from `rand`, times `scale`. */
export function filled(length: number, rand: () => number, scale = 1): Float64Array {
  return Float64Array.from({ length }, () => scale * rand());
}

/** Numerical gradient of `loss()` with respect to every entry of `param`. */
export function numerical(param: Float64Array, loss: () => number): Float64Array {
  const out = new Float64Array(param.length);
  for (let i = 0; i < param.length; i++) {
    const keep = param[i]!;
    param[i] = keep + EPS;
    const up = loss();
    param[i] = keep - EPS;
    const down = loss();
    param[i] = keep;
    out[i] = (up - down) / (2 * EPS);
  }
  return out;
}

/** Largest |a − b| relative to the largest |b| (at least 1e-3). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  let scale = 1e-3;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst / scale;
}

