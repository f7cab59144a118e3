/**
 * Drift of the reading world against the serving models, from the stream of clicks and
 * impressions: the signals that should trigger a retraining before the weekly one. For news the
 * first to rise is the share of clicks on articles the serving model does not know; then the
 * shape of attention (how concentrated the clicks are) and the click-through of served lists.
 */
import { MyContentError } from '../errors/error';
import { compareProportions } from '../experiments/analysis';

const SOURCE = 'drift';

/** Thresholds past which a signal fires. */
export interface DriftThresholds {
  /** Population stability index of the click distribution over popularity ranks. @default 0.2 */
  psi?: number;
  /** Share of the window's clicks on articles the serving model does not know. @default 0.3 */
  unknownShare?: number;
  /** Relative drop of click-through against the baseline (0.2: 20 % lower), when significant. @default 0.2 */
  ctrDrop?: number;
  /** Significance level of the click-through drop. @default 0.01 */
  alpha?: number;
}

/** Options of {@link createDriftMonitor}. */
export interface DriftMonitorOptions {
  /** Whether the serving models know an article (their catalogue when they were trained). */
  known(itemId: string): boolean;
  /** The current window, ms. @default 1 hour */
  windowMs?: number;
  /** The trailing baseline before it, ms. @default 24 hours */
  baselineMs?: number;
  /** Upper bounds of the popularity-rank buckets of the PSI (ranks within each period). @default [10, 50, 200] */
  rankBuckets?: readonly number[];
  /** Fewer clicks than this in the window: nothing fires (too little to judge). @default 200 */
  minClicks?: number;
  thresholds?: DriftThresholds;
}

/** One check. */
export interface DriftReport {
  at: number;
  clicks: { window: number; baseline: number };
  /** Population stability index of the share of clicks per popularity-rank bucket, window against baseline. */
  psi: number;
  /** Share of the window's clicks on unknown articles (and the baseline's, for comparison). */
  unknownShare: { window: number; baseline: number };
  /** Click-through of served items, when impressions were observed. */
  ctr?: { window: number; baseline: number; relativeDrop: number; pValue: number };
  /** The signals past their threshold (empty: no drift). */
  fired: ('psi' | 'unknown-items' | 'ctr')[];
}

/** Watches clicks and impressions for drift; see {@link createDriftMonitor}. */
export interface DriftMonitor {
  /** One click on an article at a time (epoch ms). */
  click(itemId: string, timestamp: number): void;
  /** `count` impressions (items shown in served lists) at a time. */
  impressions(count: number, timestamp: number): void;
  /** The signals at `now`, over the window `(now − windowMs, now]` against the baseline before it. */
  check(now: number): DriftReport;
}

const MINUTE = 60_000;

/**
 * A drift monitor over minute buckets (memory: one count per article per minute of the
 * baseline and window). Three signals, each with a threshold:
 * - the **share of clicks on unknown articles** (the serving models cannot recommend them);
 * - the **population stability index** of clicks over popularity-rank buckets (ranks 1–10, 11–50,
 *   51–200, the rest, each period ranked on its own): how concentrated attention is, whatever the
 *   articles' names — a breaking story or a dying one changes it;
 * - a significant relative **drop of click-through** (clicks over impressions) against the baseline.
 *
 * @example
 * ```ts
 * const drift = createDriftMonitor({ known: (id) => recommender.catalog.indexOf(id) >= 0 });
 * drift.click('a17', Date.now());
 * drift.check(Date.now()).fired; // [] or ['unknown-items', ...]: retrain
 * ```
 */
export function createDriftMonitor(options: DriftMonitorOptions): DriftMonitor {
  const windowMs = options.windowMs ?? 3_600_000;
  const baselineMs = options.baselineMs ?? 24 * 3_600_000;
  const edges = options.rankBuckets ?? [10, 50, 200];
  const minClicks = options.minClicks ?? 200;
  const t = { psi: 0.2, unknownShare: 0.3, ctrDrop: 0.2, alpha: 0.01, ...options.thresholds };
  for (const [field, value] of [
    ['windowMs', windowMs],
    ['baselineMs', baselineMs],
  ] as const) {
    if (!(value >= MINUTE)) throw new MyContentError('INVALID_CONFIG', `${field} must be at least a minute, got ${value}`, { source: SOURCE, field, value });
  }
  if (edges.some((e, i) => !(Number.isInteger(e) && e > 0 && (i === 0 || e > edges[i - 1]!)))) {
    throw new MyContentError('INVALID_CONFIG', 'rankBuckets must be increasing whole numbers', { source: SOURCE, field: 'rankBuckets', value: edges });
  }
  /** Per minute: clicks per article, unknown clicks, impressions. */
  const minutes = new Map<number, { items: Map<string, number>; unknown: number; clicks: number; impressions: number }>();
  const bucketOf = (timestamp: number) => {
    const key = Math.floor(timestamp / MINUTE);
    let bucket = minutes.get(key);
    if (!bucket) minutes.set(key, (bucket = { items: new Map(), unknown: 0, clicks: 0, impressions: 0 }));
    return bucket;
  };
  let newest = Number.NEGATIVE_INFINITY;
  const forgetBefore = (time: number) => {
    const oldest = Math.floor(time / MINUTE);
    for (const key of minutes.keys()) if (key < oldest) minutes.delete(key);
  };

  /** Clicks, unknown clicks, impressions and per-article counts over `[from, to)`. */
  function period(from: number, to: number) {
    const items = new Map<string, number>();
    let clicks = 0;
    let unknown = 0;
    let impressions = 0;
    for (const [key, bucket] of minutes) {
      const start = key * MINUTE;
      if (start < from || start >= to) continue;
      clicks += bucket.clicks;
      unknown += bucket.unknown;
      impressions += bucket.impressions;
      for (const [id, n] of bucket.items) items.set(id, (items.get(id) ?? 0) + n);
    }
    return { items, clicks, unknown, impressions };
  }
  /** Share of clicks per rank bucket (the period's own ranking). */
  function rankShares(items: Map<string, number>, clicks: number): number[] {
    const counts = [...items.values()].sort((a, b) => b - a);
    const shares = new Array<number>(edges.length + 1).fill(0);
    counts.forEach((n, rank) => {
      let b = edges.findIndex((edge) => rank < edge);
      if (b < 0) b = edges.length;
      shares[b]! += n / Math.max(1, clicks);
    });
    return shares;
  }

  return {
    click(itemId, timestamp) {
      const bucket = bucketOf(timestamp);
      bucket.clicks++;
      bucket.items.set(itemId, (bucket.items.get(itemId) ?? 0) + 1);
      if (!options.known(itemId)) bucket.unknown++;
      if (timestamp > newest) {
        newest = timestamp;
        forgetBefore(newest - windowMs - baselineMs - MINUTE);
      }
    },
    impressions(count, timestamp) {
      if (!(Number.isInteger(count) && count >= 0)) throw new MyContentError('INVALID_INPUT', `impressions must be a whole number ≥ 0, got ${count}`, { source: SOURCE, field: 'count', value: count });
      bucketOf(timestamp).impressions += count;
    },
    check(now) {
      const end = (Math.floor(now / MINUTE) + 1) * MINUTE;
      const current = period(end - windowMs, end);
      const baseline = period(end - windowMs - baselineMs, end - windowMs);
      const a = rankShares(current.items, current.clicks);
      const e = rankShares(baseline.items, baseline.clicks);
      const epsilon = 1e-4;
      let psi = 0;
      for (let i = 0; i < a.length; i++) {
        const x = Math.max(a[i]!, epsilon);
        const y = Math.max(e[i]!, epsilon);
        psi += (x - y) * Math.log(x / y);
      }
      const share = (p: { unknown: number; clicks: number }) => (p.clicks > 0 ? p.unknown / p.clicks : 0);
      const report: DriftReport = {
        at: now,
        clicks: { window: current.clicks, baseline: baseline.clicks },
        psi,
        unknownShare: { window: share(current), baseline: share(baseline) },
        fired: [],
      };
      if (current.impressions > 0 && baseline.impressions > 0) {
        const w = current.clicks / current.impressions;
        const b = baseline.clicks / baseline.impressions;
        const comparison = compareProportions({ successes: Math.min(baseline.clicks, baseline.impressions), trials: baseline.impressions }, { successes: Math.min(current.clicks, current.impressions), trials: current.impressions });
        report.ctr = { window: w, baseline: b, relativeDrop: b > 0 ? (b - w) / b : 0, pValue: comparison.pValue };
      }
      const judged = current.clicks >= minClicks && baseline.clicks >= minClicks;
      if (judged && psi > t.psi) report.fired.push('psi');
      if (judged && report.unknownShare.window > t.unknownShare) report.fired.push('unknown-items');
      if (judged && report.ctr && report.ctr.relativeDrop > t.ctrDrop && report.ctr.pValue < t.alpha) report.fired.push('ctr');
      return report;
    },
  };
}
