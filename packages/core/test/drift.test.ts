import { describe, expect, it } from 'vitest';
import { createRandom } from '@mycontent/core/data';
import { createDriftMonitor } from '@mycontent/core/eval';

// A simulated hour-by-hour news audience: 20 clicks a minute over 500 articles the serving model
// knows (Zipf, s = 1), 5 % on articles published since (unknown to it), one impression in ten
// clicked. In the changed world, from hour 30, a story breaks: half the clicks go to new articles,
// attention concentrates (s = 1.6), and the served lists' click-through falls to 6 %.
const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

function zipf(n: number, s: number): (u: number) => number {
  const cumulative: number[] = [];
  let sum = 0;
  for (let i = 1; i <= n; i++) cumulative.push((sum += 1 / i ** s));
  return (u) => {
    const target = u * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Hours 0–40 of one world; returns when the monitor first fired after hour 25 (or undefined), and which signals. */
function simulate(seed: number, changes: boolean) {
  const rng = createRandom(seed);
  const known = new Set(Array.from({ length: 500 }, (_, i) => `k${i}`));
  const monitor = createDriftMonitor({ known: (id) => known.has(id) });
  const calm = zipf(500, 1);
  const storm = zipf(500, 1.6);
  let firstFire: { hour: number; fired: string[] } | undefined;
  for (let minute = 0; minute < 40 * 60; minute++) {
    const at = T0 + minute * 60_000;
    const changed = changes && minute >= 30 * 60;
    let clicks = 0;
    for (let c = 0; c < 20; c++) {
      const fresh = rng.next() < (changed ? 0.5 : 0.05);
      const item = fresh ? `n${Math.floor(rng.next() * (changed ? 30 : 200))}-${Math.floor(minute / 60)}` : `k${(changed ? storm : calm)(rng.next())}`;
      monitor.click(item, at + c);
      clicks++;
    }
    monitor.impressions(Math.round(clicks / (changed ? 0.06 : 0.1)), at);
    if (minute >= 25 * 60 && minute % 10 === 0 && !firstFire) {
      const report = monitor.check(at + 59_999);
      if (report.fired.length > 0) firstFire = { hour: minute / 60, fired: report.fired };
    }
  }
  return firstFire;
}

describe('drift', () => {
  it('fires within an hour of a change in reading habits, and never in a stable world (10 seeded runs each)', () => {
    const runs = Array.from({ length: 10 }, (_, seed) => ({ changed: simulate(seed + 1, true), stable: simulate(seed + 1, false) }));
    const detected = runs.filter((r) => r.changed && r.changed.hour >= 30 && r.changed.hour <= 31).length;
    const falseAlarms = runs.filter((r) => r.stable !== undefined || (r.changed && r.changed.hour < 30)).length;
    console.log(`drift: fired within an hour of the change in ${detected}/10 changed worlds (${runs.map((r) => r.changed?.fired.join('+') ?? '-').join(', ')}); false alarms in ${falseAlarms}/10 stable worlds`);
    expect(detected).toBe(10);
    expect(falseAlarms).toBe(0);
  });

  it('reports each signal, and judges nothing on too few clicks', () => {
    const monitor = createDriftMonitor({ known: (id) => id.startsWith('k'), minClicks: 10 });
    for (let i = 0; i < 100; i++) monitor.click(`k${i % 5}`, T0 + 2 * HOUR + i * 60_000); // the baseline: five known articles
    monitor.impressions(1000, T0 + 2 * HOUR);
    const now = T0 + 26 * HOUR;
    for (let i = 0; i < 50; i++) monitor.click(`n${i}`, now - 30 * 60_000 + i); // the window: fifty unknown articles
    monitor.impressions(5000, now - 30 * 60_000);
    const report = monitor.check(now);
    expect(report.clicks).toEqual({ window: 50, baseline: 100 });
    expect(report.unknownShare).toEqual({ window: 1, baseline: 0 });
    expect(report.psi).toBeGreaterThan(0.2);
    expect(report.ctr).toMatchObject({ window: 0.01, baseline: 0.1 });
    expect(report.fired).toEqual(['psi', 'unknown-items', 'ctr']);
    expect(createDriftMonitor({ known: () => true }).check(now).fired).toEqual([]); // nothing observed: nothing judged
    expect(() => createDriftMonitor({ known: () => true, windowMs: 10 })).toThrow(/windowMs must be at least a minute/);
  });
});
