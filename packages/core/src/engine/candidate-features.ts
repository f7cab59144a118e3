import type { ItemCatalog } from '../catalog/catalog';
import type { ObservedInteraction } from '../model/contract';
import type { BlendSource } from './blend';
import type { Candidate } from './candidate';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * The features a learned ranking stage reads for each blended candidate, and the per-article
 * click counters behind some of them. Per source `s` of the ranking: `s:rank` (1 / (1 + its
 * position in that source), 0 when absent), `s:score` (its score over the source's best) and
 * `s:rank×session` (the rank times log(1 + session length)); then `blend` (the fixed blend's
 * score), `age` (log hours since the article's first click, or its publication), `clicks:5m` and
 * `clicks:1h` (log of its clicks, decayed over 5 minutes and one hour) and `new` (1 when nobody
 * has clicked it yet).
 */
export class CandidateFeatures {
  private sources: string[] = [];
  /** Feature names, in column order (empty until the sources are set). */
  names: string[] = [];
  // Per item: clicks decayed over 5 minutes and over an hour (as of `last`), and the first click.
  private fast = new Float64Array(0);
  private slow = new Float64Array(0);
  private last = new Float64Array(0);
  private first = new Float64Array(0);

  /** The sources of the ranking, which make the first columns. */
  setSources(sources: readonly string[]): void {
    this.sources = [...sources];
    this.names = [...sources.flatMap((s) => [`${s}:rank`, `${s}:score`, `${s}:rank×session`]), 'blend', 'age', 'clicks:5m', 'clicks:1h', 'new'];
  }

  /** Column of the `blend` feature. */
  get blendColumn(): number {
    return 3 * this.sources.length;
  }

  /** Counts a positive interaction in O(1). */
  observe(event: ObservedInteraction): void {
    if (!(event.weight > 0) || event.item < 0) return;
    const { item, timestamp: t } = event;
    this.grow(item);
    const dt = Math.max(0, t - this.last[item]!);
    this.fast[item] = this.fast[item]! * Math.exp(-dt / (5 * MINUTE)) + 1;
    this.slow[item] = this.slow[item]! * Math.exp(-dt / HOUR) + 1;
    this.last[item] = Math.max(this.last[item]!, t);
    if (Number.isNaN(this.first[item]!)) this.first[item] = t;
  }

  /** The feature rows of `pool` (pool.length × names.length), from the sources that proposed it. */
  extract(pool: readonly Candidate[], blendSources: readonly BlendSource[], now: number, sessionLength: number, catalog: ItemCatalog): Float32Array {
    const f = this.names.length;
    const x = new Float32Array(pool.length * f);
    const row = new Map<number, number>();
    pool.forEach((c, i) => row.set(c.item, i));
    const session = Math.log1p(sessionLength);
    for (const source of blendSources) {
      const s = this.sources.indexOf(source.name);
      if (s < 0) continue;
      const { items, scores } = source.result;
      const top = scores[0]! > 0 ? scores[0]! : 1;
      for (let r = 0; r < items.length; r++) {
        const i = row.get(items[r]!);
        if (i === undefined) continue;
        const rank = 1 / (1 + r);
        x[i * f + 3 * s] = rank;
        x[i * f + 3 * s + 1] = Math.max(0, scores[r]!) / top;
        x[i * f + 3 * s + 2] = rank * session;
      }
    }
    const base = this.blendColumn;
    const created = catalog.createdAt;
    const { first, last, fast, slow } = this;
    for (let i = 0; i < pool.length; i++) {
      const item = pool[i]!.item;
      const o = i * f + base;
      x[o] = pool[i]!.score;
      const clicked = item < first.length && !Number.isNaN(first[item]!);
      const born = clicked ? first[item]! : created[item]! > 0 ? created[item]! : now;
      x[o + 1] = Math.log1p(Math.max(0, now - born) / HOUR);
      if (clicked) {
        const dt = Math.max(0, now - last[item]!);
        x[o + 2] = Math.log1p(fast[item]! * Math.exp(-dt / (5 * MINUTE)));
        x[o + 3] = Math.log1p(slow[item]! * Math.exp(-dt / HOUR));
      } else x[o + 4] = 1;
    }
    return x;
  }

  private grow(item: number): void {
    if (item < this.fast.length) return;
    const size = Math.max(item + 1, this.fast.length * 2, 1024);
    const extend = (a: Float64Array, fill: number) => {
      const b = new Float64Array(size).fill(fill);
      b.set(a);
      return b;
    };
    this.fast = extend(this.fast, 0);
    this.slow = extend(this.slow, 0);
    this.last = extend(this.last, 0);
    this.first = extend(this.first, Number.NaN);
  }
}
