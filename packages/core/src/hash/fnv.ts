/**
 * FNV-1a, 32 bits, over the UTF-16 code units of `text`: a fast, stable, non-cryptographic hash
 * (cache-key variants, seeds derived from ids).
 *
 * @example
 * ```ts
 * fnv1a32('hello'); // 1335831723
 * ```
 */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
