// Bandits on a news-like world: articles arrive over a week, each with a hidden click rate that
// decays with age; every impression shows one article of the last 48 hours. Cumulative regret
// against an oracle that always shows the best live article, same world and seeds for every
// policy, including "pure popularity" (the most-clicked live article).
import { type BanditStateStore } from '@mycontent/core';
import { createRandom } from '@mycontent/core/data';
import { createMemoryStore } from '@mycontent/adapters/memory';
import { createEpsilonGreedyBandit, createThompsonBandit, createUcb1Bandit, type Bandit } from '@mycontent/algorithms';
import { report } from '../lib';

const HOUR = 3_600_000;
const DAYS = 7;
const IMPRESSIONS = 60_000;
const ARTICLES_PER_HOUR = 2;
const LIFETIME = 48 * HOUR;
const SEEDS = [1, 2, 3];

interface Article { id: string; publishedAt: number; ctr: number }

function world(seed: number): Article[] {
  const rng = createRandom(seed);
  const articles: Article[] = [];
  for (let h = -48; h < DAYS * 24; h++) {
    for (let a = 0; a < ARTICLES_PER_HOUR; a++) {
      // Beta(2, 30)-like base rates (mean ≈ 6 %), a few stand-outs.
      let ctr = 0;
      for (let k = 0; k < 2; k++) ctr += -Math.log(rng.next());
      let rest = 0;
      for (let k = 0; k < 30; k++) rest += -Math.log(rng.next());
      articles.push({ id: `a${h}-${a}`, publishedAt: h * HOUR, ctr: ctr / (ctr + rest) });
    }
  }
  return articles;
}

/** Click rate of an article at time t: its base rate, halving every 12 hours of age. */
const rateAt = (a: Article, t: number) => a.ctr * 0.5 ** ((t - a.publishedAt) / (12 * HOUR));

/** "Pure popularity": the live article with the most clicks so far (ties: the newest). */
function popularity(store: BanditStateStore, name: string): Bandit {
  return {
    name,
    policy: 'epsilon-greedy',
    async select(arms, k) {
      const clicks = new Map((await store.getArms(name, { arms })).map((r) => [r.arm, r.reward]));
      // Arms come oldest first: reversed, so that ties go to the newest article.
      return [...arms].reverse().sort((x, y) => (clicks.get(y) ?? 0) - (clicks.get(x) ?? 0)).slice(0, k);
    },
    async update(feedback) {
      await store.incrementArms(name, feedback.map((f) => ({ arm: f.arm, pulls: 1, reward: f.reward })));
    },
    forget: (arms) => store.deleteArms(name, { arms }),
  };
}

async function run(label: string, make: (seed: number, clock: () => number) => Bandit) {
  let regret = 0;
  let clicks = 0;
  let oracleClicks = 0;
  const started = performance.now();
  for (const seed of SEEDS) {
    const articles = world(seed);
    const rng = createRandom(1000 + seed);
    let now = 0;
    const bandit = make(seed, () => now);
    let from = 0;
    for (let i = 0; i < IMPRESSIONS; i++) {
      now = (i / IMPRESSIONS) * DAYS * 24 * HOUR;
      while (articles[from]!.publishedAt < now - LIFETIME) from++;
      const live: Article[] = [];
      for (let j = from; j < articles.length && articles[j]!.publishedAt <= now; j++) live.push(articles[j]!);
      const byId = new Map(live.map((a) => [a.id, a]));
      const [shown] = await bandit.select(live.map((a) => a.id), 1, { now });
      const rate = rateAt(byId.get(shown!)!, now);
      let best = 0;
      for (const a of live) best = Math.max(best, rateAt(a, now));
      regret += best - rate;
      oracleClicks += best;
      const reward = rng.next() < rate ? 1 : 0;
      clicks += reward;
      await bandit.update([{ arm: shown!, reward, at: now }]);
    }
  }
  const n = IMPRESSIONS * SEEDS.length;
  return { label, regret: regret / SEEDS.length, ctr: clicks / n, oracleCtr: oracleClicks / n, msPerImpression: (performance.now() - started) / n };
}

const results = [
  await run('pure popularity (most clicks)', () => popularity(createMemoryStore().bandits, 'pop')),
  await run('epsilon-greedy (ε 0.1)', (seed) => createEpsilonGreedyBandit({ state: createMemoryStore().bandits, name: 'eps', epsilon: 0.1, seed })),
  await run('UCB1', () => createUcb1Bandit({ state: createMemoryStore().bandits, name: 'ucb' })),
  await run('Thompson sampling', (seed) => createThompsonBandit({ state: createMemoryStore().bandits, name: 'ts', seed })),
  await run('Thompson sampling, discounted (half-life 6 h)', (seed, clock) =>
    createThompsonBandit({ state: createMemoryStore().bandits, name: 'tsd', seed, now: clock, discount: { halfLifeMs: 6 * HOUR, bucketMs: HOUR } }),
  ),
];
report({ impressions: IMPRESSIONS, seeds: SEEDS.length, days: DAYS, articlesPerHour: ARTICLES_PER_HOUR, results });
