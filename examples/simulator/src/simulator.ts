/**
 * A news audience simulator. Users have hidden tastes (category preferences) and a click model
 * (position bias × taste × article quality × freshness); every day new articles and new users
 * arrive, each active user opens sessions, sees a list of `n` articles from the policy under test
 * and clicks (or not). Each policy runs on its own engine and store, in the same world, and the
 * click draws depend only on (user, session, article, position), so policies are compared on the
 * same coin flips wherever they show the same thing.
 */
import { createRecommender, type InteractionInput, type Recommender, type RecommenderOptions } from '@mycontent/core';
import { createRandom } from '@mycontent/core/data';
import { createMemoryStore } from '@mycontent/adapters/memory';

/** Size and seed of a simulated world. */
export interface WorldOptions {
  seed?: number;
  categories?: number;
  /** Articles published before day 1. */
  initialArticles?: number;
  articlesPerDay?: number;
  /** Users with a history before day 1. */
  initialUsers?: number;
  newUsersPerDay?: number;
  days?: number;
  /** Share of the users active on a given day. */
  activeShare?: number;
  /**
   * How much readers differ in how often they come: each reader's daily chance of visiting is
   * `activeShare` times a log-normal factor of mean 1 and this log-scale spread (0: everyone alike).
   */
  activitySpread?: number;
  sessionsPerDay?: number;
  /** Articles per list. */
  n?: number;
}

/** A simulated article and its hidden properties. */
export interface Article { id: string; category: number; style: number; quality: number; publishedAt: number; embedding: number[] }
/** A simulated reader and their hidden tastes. */
export interface SimUser { id: string; prefs: number[]; style: number; joinedDay: number; declared?: number; activity: number }

/** One list a policy showed, for observers (experiment simulations replay them). */
export interface ShownList { user: SimUser; day: number; session: number; t: number; articles: Article[] }

const DAY = 86_400_000;
const STYLES = 3;
const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

/** The world: articles and users with their hidden properties (policies only see ids, categories, embeddings and clicks). */
export function createWorld(options: WorldOptions = {}) {
  const o = {
    seed: 1, categories: 8, initialArticles: 300, articlesPerDay: 40, initialUsers: 1500, newUsersPerDay: 150,
    days: 5, activeShare: 0.3, activitySpread: 0, sessionsPerDay: 2, n: 10, ...options,
  };
  const rng = createRandom(o.seed);
  const articles: Article[] = [];
  const addArticle = (publishedAt: number) => {
    const category = rng.int(o.categories);
    const embedding = Array.from({ length: o.categories }, (_, c) => (c === category ? 1 : 0) + 0.15 * rng.normal());
    // The style (tone, format, outlet...) is hidden from the embedding: only co-clicks reveal it.
    articles.push({ id: `a${articles.length}`, category, style: rng.int(STYLES), quality: 0.2 + 0.8 * rng.next() ** 2, publishedAt, embedding });
  };
  for (let i = 0; i < o.initialArticles; i++) addArticle(T0 - 2 * DAY + Math.floor((i / o.initialArticles) * 2 * DAY));
  for (let d = 0; d < o.days; d++) for (let i = 0; i < o.articlesPerDay; i++) addArticle(T0 + d * DAY + Math.floor((i / o.articlesPerDay) * 20 * HOUR));
  const users: SimUser[] = [];
  const addUser = (joinedDay: number) => {
    const prefs = Array.from({ length: o.categories }, () => 0.1 / o.categories);
    const first = rng.int(o.categories);
    const second = (first + 1 + rng.int(o.categories - 1)) % o.categories;
    prefs[first]! += 0.6;
    prefs[second]! += 0.3;
    const user: SimUser = { id: `u${users.length}`, prefs, style: rng.int(STYLES), joinedDay, ...(rng.next() < 0.7 ? { declared: first } : {}), activity: 1 };
    if (o.activitySpread > 0) user.activity = Math.exp(o.activitySpread * rng.normal() - o.activitySpread ** 2 / 2);
    users.push(user);
  };
  for (let i = 0; i < o.initialUsers; i++) addUser(-1);
  for (let d = 0; d < o.days; d++) for (let i = 0; i < o.newUsersPerDay; i++) addUser(d);
  return { options: o, articles, users };
}

export type World = ReturnType<typeof createWorld>;

/** Probability that `user` clicks `article` shown at `position` (0-based) at time `t`. */
export function clickProbability(world: World, user: SimUser, article: Article, position: number, t: number): number {
  const taste = Math.min(1, 3 * user.prefs[article.category]!) * (article.style === user.style ? 1 : 0.3);
  const freshness = 0.5 ** (Math.max(0, t - article.publishedAt) / (36 * HOUR));
  return 0.5 * article.quality * taste * freshness / (1 + 0.25 * position);
}

/** A deterministic uniform draw per (user, session, article, position): the same coin flip for every policy. */
function coin(seed: number, key: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return createRandom(h >>> 0).next();
}

/** What one policy run measured. */
export interface PolicyReport {
  policy: string;
  impressions: number;
  clicks: number;
  /** Lists shown (sessions). */
  sessions: number;
  /** Clicks per list: the fair comparison when policies fill lists to different lengths. */
  clicksPerSession: number;
  ctr: number;
  ctrByDay: number[];
  /** CTR of users who arrived during the run, over their first 10 impressions. */
  newUserCtr: number;
  /** CTR of users with a history before day 1. */
  matureCtr: number;
  /** Share of the articles shown at least once. */
  coverage: number;
  /** Share of pairs of a list in different categories, averaged over lists. */
  intraListDiversity: number;
  /** Distinct categories in a list, averaged over lists. */
  categoriesPerList: number;
  /** Median hours for an article published during the run to reach `exposureTarget` impressions, by quality tercile (null: not reached). */
  hoursToExposure: { low: number | null; mid: number | null; high: number | null };
  /** Share of the articles published during the run that reached `exposureTarget` impressions, by quality tercile. */
  reachedShare: { low: number; mid: number; high: number };
  exposureTarget: number;
  /** Expected clicks lost against showing each user the n articles they are most likely to click, per impression. */
  regretPerImpression: number;
}

/** Runs one policy (an engine configuration) through the world. */
export async function runPolicy(
  world: World,
  policy: string,
  configure: () => Omit<RecommenderOptions, 'store' | 'now'>,
  exposureTarget = 100,
  observe?: (list: ShownList) => void,
): Promise<PolicyReport> {
  const o = world.options;
  let now = T0 - 2 * DAY;
  const recommender: Recommender = createRecommender({ ...configure(), store: createMemoryStore(), now: () => now });
  const published = new Set<string>();
  const publishUntil = async (t: number) => {
    const fresh = world.articles.filter((a) => a.publishedAt <= t && !published.has(a.id));
    for (const a of fresh) published.add(a.id);
    if (fresh.length > 0) {
      await recommender.ingestItems(fresh.map((a) => ({ id: a.id, category: `c${a.category}`, createdAt: a.publishedAt, embedding: a.embedding })));
    }
  };
  // History of the initial users: 15 clicks each on articles of the two days before, by taste.
  await publishUntil(T0);
  const rng = createRandom(o.seed + 7);
  const past = world.articles.filter((a) => a.publishedAt < T0);
  const history: InteractionInput[] = [];
  for (const user of world.users.filter((u) => u.joinedDay < 0)) {
    for (let k = 0; k < 15; k++) {
      let pick = past[rng.int(past.length)]!;
      for (let tries = 0; tries < 50 && rng.next() > clickProbability(world, user, pick, 0, T0) * 4; tries++) pick = past[rng.int(past.length)]!;
      history.push({ userId: user.id, itemId: pick.id, type: 'click', timestamp: Math.min(T0 - 1, pick.publishedAt + HOUR), eventId: `h-${user.id}-${k}` });
    }
  }
  for (let i = 0; i < history.length; i += 10_000) await recommender.ingestInteractions(history.slice(i, i + 10_000));
  for (const u of world.users) if (u.declared !== undefined && u.joinedDay >= 0) await recommender.setPreferences(u.id, { categories: [`c${u.declared}`] });

  const byId = new Map(world.articles.map((a) => [a.id, a]));
  const shown = new Map<string, number>();
  const reached = new Map<string, number>(); // article -> time it reached the exposure target
  const newUserSeen = new Map<string, number>();
  let sessions = 0;
  let impressions = 0, clicks = 0, newImpressions = 0, newClicks = 0, matureImpressions = 0, matureClicks = 0, ildSum = 0, categorySum = 0, lists = 0, regret = 0;
  const ctrByDay: number[] = [];
  for (let day = 0; day < o.days; day++) {
    now = T0 + day * DAY;
    await publishUntil(now);
    await recommender.train();
    let dayImpressions = 0, dayClicks = 0;
    const active = world.users.filter((u) => u.joinedDay <= day && (u.joinedDay === day || coin(o.seed, `${u.id}:${day}:active`) < o.activeShare * u.activity));
    for (let session = 0; session < o.sessionsPerDay; session++) {
      const t = now + Math.round(((session + 1) * 24 * HOUR) / (o.sessionsPerDay + 1)); // evenly over the day: 8 h and 16 h for two
      now = t;
      await publishUntil(t);
      const events: InteractionInput[] = [];
      for (const user of active) {
        // A news site's usual rule: nothing older than two days.
        const list = await recommender.recommend({ userId: user.id, n: o.n, filters: { maxAgeMs: 2 * DAY } });
        sessions++;
        observe?.({ user, day, session, t, articles: list.items.map((r) => byId.get(r.itemId)!) });
        const cats = list.items.map((r) => r.category);
        let pairs = 0, different = 0;
        for (let a = 0; a < cats.length; a++) for (let b = a + 1; b < cats.length; b++) { pairs++; if (cats[a] !== cats[b]) different++; }
        if (pairs > 0) { ildSum += different / pairs; categorySum += new Set(cats).size; lists++; }
        // Regret against the best list this user could have had (the n likeliest live articles).
        const live = world.articles.filter((a) => a.publishedAt <= t && a.publishedAt >= t - 2 * DAY);
        const best = live.map((a) => clickProbability(world, user, a, 0, t)).sort((x, y) => y - x);
        list.items.forEach((r, position) => {
          const article = byId.get(r.itemId)!;
          const p = clickProbability(world, user, article, position, t);
          regret += best[position]! / (1 + 0.25 * position) - p;
          const clicked = coin(o.seed, `${user.id}:${day}:${session}:${r.itemId}:${position}`) < p;
          impressions++; dayImpressions++;
          const count = (shown.get(r.itemId) ?? 0) + 1;
          shown.set(r.itemId, count);
          if (count === exposureTarget) reached.set(r.itemId, t);
          events.push({ userId: user.id, itemId: r.itemId, type: 'view', timestamp: t });
          if (user.joinedDay >= 0) {
            const seen = newUserSeen.get(user.id) ?? 0;
            if (seen < 10) { newImpressions++; if (clicked) newClicks++; newUserSeen.set(user.id, seen + 1); }
          } else { matureImpressions++; if (clicked) matureClicks++; }
          if (clicked) {
            clicks++; dayClicks++;
            events.push({ userId: user.id, itemId: r.itemId, type: 'click', timestamp: t + 1 });
            events.push({ userId: user.id, itemId: r.itemId, type: 'read', timestamp: t + 2, duration: Math.round(20 + 100 * article.quality) });
          }
        });
      }
      for (let i = 0; i < events.length; i += 10_000) await recommender.ingestInteractions(events.slice(i, i + 10_000));
    }
    ctrByDay.push(dayImpressions > 0 ? dayClicks / dayImpressions : 0);
  }
  const during = world.articles.filter((a) => a.publishedAt >= T0);
  const byQuality = [...during].sort((a, b) => a.quality - b.quality);
  const third = Math.floor(byQuality.length / 3);
  const median = (group: Article[]) => {
    const hours = group.map((a) => (reached.has(a.id) ? (reached.get(a.id)! - a.publishedAt) / HOUR : Number.POSITIVE_INFINITY)).sort((x, y) => x - y);
    const m = hours[Math.floor(hours.length / 2)]!;
    return Number.isFinite(m) ? Math.round(m * 10) / 10 : null;
  };
  const share = (group: Article[]) => group.filter((a) => reached.has(a.id)).length / Math.max(1, group.length);
  const terciles = [byQuality.slice(0, third), byQuality.slice(third, 2 * third), byQuality.slice(2 * third)] as const;
  return {
    policy,
    impressions,
    clicks,
    sessions,
    clicksPerSession: clicks / sessions,
    ctr: clicks / impressions,
    ctrByDay,
    newUserCtr: newImpressions > 0 ? newClicks / newImpressions : 0,
    matureCtr: matureImpressions > 0 ? matureClicks / matureImpressions : 0,
    coverage: shown.size / world.articles.length,
    intraListDiversity: lists > 0 ? ildSum / lists : 0,
    categoriesPerList: lists > 0 ? categorySum / lists : 0,
    hoursToExposure: { low: median(terciles[0]), mid: median(terciles[1]), high: median(terciles[2]) },
    reachedShare: { low: share(terciles[0]), mid: share(terciles[1]), high: share(terciles[2]) },
    exposureTarget,
    regretPerImpression: regret / impressions,
  };
}

