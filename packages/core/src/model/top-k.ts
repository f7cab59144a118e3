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

  /** Lowest score held, or -Infinity while the heap is not full. */
  get threshold(): number {
    return this.count < this.k ? Number.NEGATIVE_INFINITY : this.vals[0]!;
  }

  /** Offers an entry; kept when among the best `k`. Ties keep the earlier entry. */
  push(id: number, score: number): void {
    const ids = this.ids;
    const vals = this.vals;
    if (this.count < this.k) {
      let i = this.count++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (vals[parent]! <= score) break;
        ids[i] = ids[parent]!;
        vals[i] = vals[parent]!;
        i = parent;
      }
      ids[i] = id;
      vals[i] = score;
      return;
    }
    if (score <= vals[0]!) return;
    const n = this.count;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && vals[right]! < vals[left]! ? right : left;
      if (vals[child]! >= score) break;
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
      const lastId = this.ids[--this.count]!;
      const lastVal = this.vals[this.count]!;
      const m = this.count;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= m) break;
        const right = left + 1;
        const child = right < m && this.vals[right]! < this.vals[left]! ? right : left;
        if (this.vals[child]! >= lastVal) break;
        this.ids[i] = this.ids[child]!;
        this.vals[i] = this.vals[child]!;
        i = child;
      }
      this.ids[i] = lastId;
      this.vals[i] = lastVal;
    }
    return { items, scores };
  }
}
