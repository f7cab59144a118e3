import { useEffect, useRef, useState } from 'react';
import { api } from '../api';
import { bucketDelta, buckets, parseMetrics, quantile, total, type Sample } from '../metrics';
import { NewArticles, type NewArticle } from './NewArticles';
import { ms, pct } from '../format';

interface Point {
  at: number;
  p50: number;
  p95: number;
  p99: number;
}

interface Comparison {
  difference: number;
  interval: [number, number];
  significant: boolean;
  p_value: number;
}

interface Results {
  experiment: string;
  control: string;
  variants: { variant: string; users: number; lists: number; ctr: number; clicks_per_list: number }[];
  comparisons: Record<string, { ctr: Comparison } | null>;
  sample_ratio: { mismatch: boolean; p_value: number } | null;
}

const POLL_MS = 5_000;

/**
 * The product team's dashboard (admins): live service metrics from `/metrics` every 5 s —
 * `recommend()` latency p50 / p95 / p99 over time, cache hit ratio, error rate, cold-start rate,
 * stream lag when the service consumes events —, the newest articles and how far they have
 * reached, and every experiment's variants with their click-through and its interval against the
 * control.
 */
export function DashboardPage() {
  const [points, setPoints] = useState<Point[]>([]);
  const [current, setCurrent] = useState<Sample[]>([]);
  const [results, setResults] = useState<Results[]>([]);
  const [newest, setNewest] = useState<NewArticle[]>([]);
  const previous = useRef<Map<number, number> | undefined>(undefined);

  useEffect(() => {
    let stopped = false;
    async function poll() {
      const response = await fetch('/metrics', { credentials: 'same-origin' });
      if (!response.ok || stopped) return;
      const samples = parseMetrics(await response.text());
      const now = buckets(samples, 'mycontent_recommend_duration');
      const window = bucketDelta(now, previous.current);
      previous.current = now;
      setCurrent(samples);
      api<{ articles: NewArticle[] }>('/api/v1/articles/newest?n=10').then((r) => !stopped && setNewest(r.articles), () => undefined);
      if ((window.get(Number.POSITIVE_INFINITY) ?? 0) > 0) {
        setPoints((all) => [...all.slice(-59), { at: Date.now(), p50: quantile(window, 0.5), p95: quantile(window, 0.95), p99: quantile(window, 0.99) }]);
      }
    }
    void poll();
    const timer = setInterval(() => void poll(), POLL_MS);
    api<{ experiments: { key: string }[] }>('/api/v1/experiments').then(
      async ({ experiments }) => setResults(await Promise.all(experiments.map((x) => api<Results>(`/api/v1/experiments/${encodeURIComponent(x.key)}/results`)))),
      () => setResults([]),
    );
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);

  const all = buckets(current, 'mycontent_recommend_duration');
  const hits = total(current, 'mycontent_cache_operations_total', { result: 'hit' });
  const reads = hits + total(current, 'mycontent_cache_operations_total', { result: 'miss' });
  const requests = total(current, 'mycontent_http_request_duration_seconds_count');
  const errors = total(current, 'mycontent_http_errors_total');
  const lists = total(current, 'mycontent_recommend_lists_total');
  const coldStarts = total(current, 'mycontent_recommend_lists_total', { phase: 'cold-start' });
  const lag = buckets(current, 'mycontent_stream_lag');
  // The registry versions this instance serves (after a promotion, they change within a refresh).
  const versions = current
    .filter((s) => s.name === 'mycontent_model_version')
    .map((s) => `${s.labels.model} v${s.value}`)
    .sort();

  return (
    <section className="stack">
      <h1>Dashboard</h1>
      <div className="tiles">
        <Tile label="recommend() p50 / p95 / p99" value={`${ms(quantile(all, 0.5))} / ${ms(quantile(all, 0.95))} / ${ms(quantile(all, 0.99))}`} />
        <Tile label="cache hit ratio" value={pct(reads > 0 ? hits / reads : Number.NaN)} />
        <Tile label="error rate (5xx)" value={pct(requests > 0 ? errors / requests : Number.NaN)} />
        <Tile label="cold-start rate" value={pct(lists > 0 ? coldStarts / lists : Number.NaN)} />
        <Tile label="stream lag p95" value={lag.size > 0 ? ms(quantile(lag, 0.95)) : 'no stream here'} />
        <Tile label="models serving" value={versions.length > 0 ? versions.join(' · ') : 'trained here, not saved'} />
      </div>
      <h2>Latency of recommend(), last 5 minutes</h2>
      <LatencyChart points={points} />
      <h2>New articles and their reach</h2>
      <div className="scroll">
        <NewArticles articles={newest} />
      </div>
      <h2>Experiments</h2>
      {results.length === 0 && <p>No experiment is running (start the service with EXPERIMENTS_FILE).</p>}
      {results.map((r) => (
        <div className="scroll" key={r.experiment}>
          <ExperimentTable results={r} />
        </div>
      ))}
    </section>
  );
}

function Tile({ label, value }: { label: string; value: string }) {
  return (
    <div className="tile">
      <div className="tile-label">{label}</div>
      <div className="tile-value">{value}</div>
    </div>
  );
}

/** p50 / p95 / p99 lines, one point per poll. */
function LatencyChart({ points }: { points: Point[] }) {
  const width = 640;
  const height = 200;
  const max = Math.max(0.001, ...points.flatMap((p) => [p.p99, p.p95, p.p50].filter(Number.isFinite)));
  const x = (i: number) => (points.length === 1 ? width / 2 : 6 + (i / (points.length - 1)) * (width - 12));
  const y = (v: number) => height - (Number.isFinite(v) ? (v / max) * (height - 10) : 0);
  const line = (key: 'p50' | 'p95' | 'p99') => points.map((p, i) => `${x(i)},${y(p[key])}`).join(' ');
  return (
    <figure className="chart">
      <svg role="img" aria-label={`recommend() latency: ${points.length} points, up to ${ms(max)}`} viewBox={`0 0 ${width} ${height}`} data-points={points.length}>
        <line x1="0" y1={height} x2={width} y2={height} className="axis" />
        {(['p50', 'p95', 'p99'] as const).map((key) => (
          <g key={key} className={key}>
            {points.length > 1 && <polyline points={line(key)} />}
            {points.map((p, i) => (
              <circle key={p.at} cx={x(i)} cy={y(p[key])} r="3" />
            ))}
          </g>
        ))}
      </svg>
      <figcaption>
        <span className="p50">p50</span> <span className="p95">p95</span> <span className="p99">p99</span> · top of the chart: {ms(max)}
      </figcaption>
    </figure>
  );
}

/** An experiment's variants, their click-through, and each against the control with its interval. */
function ExperimentTable({ results }: { results: Results }) {
  const extent = Math.max(0.001, ...Object.values(results.comparisons).flatMap((c) => (c ? c.ctr.interval.map(Math.abs) : [])));
  return (
    <table className="experiment" aria-label={`experiment ${results.experiment}`}>
      <caption>
        {results.experiment}
        {results.sample_ratio?.mismatch ? ' — sample ratio mismatch: do not trust these numbers' : ''}
      </caption>
      <thead>
        <tr>
          <th scope="col">variant</th>
          <th scope="col">users</th>
          <th scope="col">lists</th>
          <th scope="col">CTR</th>
          <th scope="col">CTR against {results.control} (95 % interval)</th>
        </tr>
      </thead>
      <tbody>
        {results.variants.map((v) => {
          const c = results.comparisons[v.variant]?.ctr;
          return (
            <tr key={v.variant}>
              <th scope="row">{v.variant}</th>
              <td>{v.users}</td>
              <td>{v.lists}</td>
              <td>{pct(v.ctr)}</td>
              <td>
                {c ? (
                  <svg viewBox="-100 0 200 16" className="interval" role="img" aria-label={`${(100 * c.difference).toFixed(2)} points, from ${(100 * c.interval[0]).toFixed(2)} to ${(100 * c.interval[1]).toFixed(2)}`}>
                    <line x1="0" y1="0" x2="0" y2="16" className="axis" />
                    <line x1={(c.interval[0] / extent) * 95} x2={(c.interval[1] / extent) * 95} y1="8" y2="8" className={c.significant ? 'significant' : 'unsure'} />
                    <circle cx={(c.difference / extent) * 95} cy="8" r="3" />
                  </svg>
                ) : v.variant === results.control ? (
                  'control'
                ) : (
                  'too few users yet'
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
