/** Any typed array the SDK grows as a catalogue or a log grows. */
export type GrowableArray = Int32Array | Uint32Array | Float32Array | Float64Array | Uint8Array;

/**
 * `array` when it holds at least `needed` entries, else a copy with room for at least `needed`
 * (at least double the length, at least `minLength`), the new entries set to `fill`.
 *
 * @example
 * ```ts
 * scores = growArray(scores, item + 1);
 * ```
 */
export function growArray<T extends GrowableArray>(array: T, needed: number, fill = 0, minLength = 16): T {
  if (needed <= array.length) return array;
  const next = new (array.constructor as new (n: number) => T)(Math.max(needed, array.length * 2, minLength));
  next.set(array);
  if (fill !== 0) next.fill(fill, array.length);
  return next;
}
