/**
 * A bounded min-heap that keeps the `k` best (highest score) entries pushed into it, with no
 * allocation per push. Reuse one instance across queries with {@link TopK.reset}.
 *
 * @example
 * ```ts
 * const top = new TopK(3);
 * for (let i = 0; i < scores.length; i++) top.push(i, scores[i]);
 * const { items, scores: best } = top.drain(); // best first
 * ```
 */
export class TopK {
  private ids: Int32Array;
  private vals: Float32Array;
  private count = 0;
  private k: number;

  constructor(k: number) {
    this.k = Math.max(1, k | 0);
    this.ids = new Int32Array(this.k);
    this.vals = new Float32Array(this.k);
  }

  /** Empties the heap, optionally with a new capacity. */
  reset(k = this.k): void {
    k = Math.max(1, k | 0);
    if (k > this.ids.length) {
      this.ids = new Int32Array(k);
      this.vals = new Float32Array(k);
    }
    this.k = k;
    this.count = 0;
  }

  /** Entries held. */
  get size(): number {
    return this.count;
  }

  /** Lowest score held, or -Infinity while the heap is not full (a score below it cannot enter). */
  get threshold(): number {
    return this.count < this.k ? Number.NEGATIVE_INFINITY : this.vals[0]!;
  }

  /**
   * Offers an entry; kept when among the best `k`. Entries are ordered by score, then by lower
   * id, so the result does not depend on the order of the pushes.
   */
  push(id: number, score: number): void {
    const ids = this.ids;
    const vals = this.vals;
    score = Math.fround(score);
    if (this.count < this.k) {
      let i = this.count++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!worse(id, score, ids[parent]!, vals[parent]!)) break;
        ids[i] = ids[parent]!;
        vals[i] = vals[parent]!;
        i = parent;
      }
      ids[i] = id;
      vals[i] = score;
      return;
    }
    if (!worse(ids[0]!, vals[0]!, id, score)) return;
    this.siftDown(id, score, this.count);
  }

  private siftDown(id: number, score: number, n: number): void {
    const ids = this.ids;
    const vals = this.vals;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && worse(ids[right]!, vals[right]!, ids[left]!, vals[left]!) ? right : left;
      if (!worse(ids[child]!, vals[child]!, id, score)) break;
      ids[i] = ids[child]!;
      vals[i] = vals[child]!;
      i = child;
    }
    ids[i] = id;
    vals[i] = score;
  }

  /** The entries, best first, in fresh arrays; the heap is empty afterwards. */
  drain(): { items: Int32Array; scores: Float32Array } {
    const n = this.count;
    const items = new Int32Array(n);
    const scores = new Float32Array(n);
    for (let out = n - 1; out >= 0; out--) {
      items[out] = this.ids[0]!;
      scores[out] = this.vals[0]!;
      const last = --this.count;
      if (last > 0) this.siftDown(this.ids[last]!, this.vals[last]!, last);
    }
    return { items, scores };
  }
}

/** True when entry (idA, a) ranks below (idB, b): lower score, or equal score and higher id. */
function worse(idA: number, a: number, idB: number, b: number): boolean {
  return a < b || (a === b && idA > idB);
}
