/**
 * Reading the service's `/metrics` (Prometheus text) in the browser: samples by name and labels,
 * and the quantiles of a histogram's buckets (linear inside a bucket, as Prometheus's
 * `histogram_quantile` does).
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Every sample of a Prometheus text exposition. */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!.replace(/\\(.)/g, '$1');
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of the samples named `name` whose labels include `where`. */
export function total(samples: readonly Sample[], name: string, where: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
}

/** Cumulative bucket counts by upper bound, summed over every other label. */
export function buckets(samples: readonly Sample[], name: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket` || s.labels.le === undefined) continue;
    const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le);
    out.set(le, (out.get(le) ?? 0) + s.value);
  }
  return out;
}

/** The q-quantile of cumulative buckets (the difference of two scrapes gives a recent window); NaN when empty. */
export function quantile(cumulative: Map<number, number>, q: number): number {
  const bounds = [...cumulative.keys()].sort((a, b) => a - b);
  const count = cumulative.get(Number.POSITIVE_INFINITY) ?? 0;
  if (count <= 0) return Number.NaN;
  const rank = q * count;
  let previousBound = 0;
  let previousCount = 0;
  for (const bound of bounds) {
    const c = cumulative.get(bound)!;
    if (c >= rank) {
      if (!Number.isFinite(bound)) return previousBound;
      return previousBound + ((bound - previousBound) * (rank - previousCount)) / Math.max(1e-12, c - previousCount);
    }
    previousBound = bound;
    previousCount = c;
  }
  return previousBound;
}

/** `now − before`, bucket by bucket (a window between two scrapes). */
export function bucketDelta(now: Map<number, number>, before: Map<number, number> | undefined): Map<number, number> {
  if (!before) return now;
  return new Map([...now].map(([le, c]) => [le, c - (before.get(le) ?? 0)]));
}
