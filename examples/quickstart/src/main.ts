/**
 * The quickstart: a news recommender on embedded defaults, no server needed.
 *
 *   npm run quickstart                      # synthetic "demo" dataset (20k articles, 150k clicks)
 *   npm run quickstart -- --data DIR        # a Globo.com-format directory instead
 *   npm run quickstart -- --scale tiny --seed 7
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { createRecommender, type Item, type RecommendationList } from '@mycontent/core';
import { generateSyntheticNews, loadGloboDataset, tableBatches, type InteractionTable, type SyntheticScale } from '@mycontent/core/data';
import { createExactVectorIndex, createMemoryCache, createMemoryStore } from '@mycontent/adapters/memory';
import { createContentModel, createItemKnnModel, createPopularityModel } from '@mycontent/algorithms';

const command = new Command('npm run quickstart --')
  .description('My Content in five minutes: a news recommender on embedded defaults, no server needed.')
  .option('--data <dir>', 'a Globo.com-format directory instead of the synthetic dataset (relative to where the command runs)')
  .addOption(new Option('--scale <scale>', 'size of the synthetic dataset').choices(['tiny', 'demo', 'full']).default('demo'))
  .option('--seed <n>', 'random seed of the synthetic dataset', '42')
  .showHelpAfterError('(add --help for usage)')
  .exitOverride();
try {
  command.parse(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  process.exit(error.code === 'commander.helpDisplayed' ? 0 : 2);
}
const args = command.opts<{ data?: string; scale: string; seed: string }>();
if (!/^\d+$/.test(args.seed)) {
  console.error(`error: --seed must be a whole number, got ${JSON.stringify(args.seed)}`);
  process.exit(2);
}

const ms = (t0: number) => `${(performance.now() - t0).toFixed(t0 > 0 ? 1 : 0)} ms`;
const line = (text = '') => console.log(text);

async function loadData(): Promise<{ items: Item[]; clicks: InteractionTable; label: string }> {
  if (args.data) {
    // npm runs this script from examples/quickstart: the path is read from where `npm run quickstart` ran.
    const dir = resolve(process.env.INIT_CWD ?? process.cwd(), args.data);
    if (!(await stat(dir).catch(() => undefined))?.isDirectory()) {
      console.error(`error: --data ${args.data}: no such directory (${dir}); make one with: npm run cli -- generate --kind news --out ${args.data}`);
      process.exit(1);
    }
    const { items, clicks } = await loadGloboDataset(dir, { attachEmbeddings: true });
    return { items, clicks, label: args.data };
  }
  const scale = args.scale as SyntheticScale;
  const news = generateSyntheticNews(scale, { seed: Number(args.seed) });
  const { dim, data } = news.embeddings;
  const items = news.items.map((item, i) => ({ ...item, embedding: data.subarray(i * dim, (i + 1) * dim) }));
  return { items, clicks: news.clicks, label: `synthetic "${scale}" news (seed ${args.seed})` };
}

function show(title: string, list: RecommendationList, took: string) {
  line(`\n${title}  [${list.phase}${list.cached ? ', cached' : ''}, ${took}]`);
  line('  rank  article   category  score   source');
  for (const r of list.items) {
    line(`  ${String(r.rank).padStart(4)}  ${r.itemId.padEnd(8)}  ${(r.category ?? '-').padEnd(8)}  ${r.score.toFixed(3)}   ${r.source}`);
  }
}

const started = performance.now();
let t = performance.now();
const { items, clicks, label } = await loadData();
line(`My Content quickstart — ${label}`);
line(`  loaded ${items.length.toLocaleString()} articles and ${clicks.length.toLocaleString()} clicks in ${ms(t)}`);

const recommender = createRecommender({
  store: createMemoryStore(),
  cache: createMemoryCache(),
  models: {
    trending: createPopularityModel({ halfLifeMs: 6 * 3_600_000 }),
    related: createItemKnnModel({ similarity: 'cosine', neighbors: 100 }),
    content: createContentModel({ index: (dimension) => createExactVectorIndex({ dimension }) }),
  },
  blend: { related: 0.7, content: 0.2, trending: 0.1 },
});

t = performance.now();
await recommender.ingestItems(items);
// Train on everything but the last 5% of clicks; the rest arrives "live" after training.
const cut = Math.floor(clicks.length * 0.95);
for (const batch of tableBatches(clicks, 20_000, 0, cut)) await recommender.ingestInteractions(batch);
line(`  ingested ${items.length.toLocaleString()} articles and ${cut.toLocaleString()} clicks in ${ms(t)}`);

t = performance.now();
const report = await recommender.train();
line(`  trained ${Object.entries(report.models).map(([name, m]) => `${name} (${m.ms.toFixed(0)} ms)`).join(', ')} on ${report.interactions.toLocaleString()} interactions from ${report.users.toLocaleString()} users`);

t = performance.now();
for (const batch of tableBatches(clicks, 20_000, cut)) await recommender.ingestInteractions(batch);
line(`  streamed ${(clicks.length - cut).toLocaleString()} more clicks after training in ${ms(t)} (profiles, statistics and trending update online)`);

// 1. A brand-new user: cold start with what is trending now.
t = performance.now();
show('A new user (no history)', await recommender.recommend({ userId: 'new-visitor', n: 5 }), ms(t));

// 2. A user with history: the heaviest reader among the last clicks.
const activity = new Map<number, number>();
for (let i = cut; i < clicks.length; i++) activity.set(clicks.user[i]!, (activity.get(clicks.user[i]!) ?? 0) + 1);
const reader = clicks.users[[...activity.entries()].sort((a, b) => b[1] - a[1])[0]![0]]!;
const profile = await recommender.getProfile(reader);
const topCategories = Object.entries(profile.categoryAffinity)
  .sort((a, b) => b[1] - a[1])
  .slice(0, 3)
  .map(([c, v]) => `${c} (${v.toFixed(1)})`);
line(`\nUser ${reader}: ${profile.interactionCount} clicks, recent ${profile.recentItems.slice(0, 5).join(', ')}; favourite categories ${topCategories.join(', ')}`);
t = performance.now();
const personal = await recommender.recommend({ userId: reader, n: 5 });
show(`Recommendations for user ${reader}`, personal, ms(t));
t = performance.now();
const again = await recommender.recommend({ userId: reader, n: 5 });
line(`  the same request again: ${again.cached ? 'served from the cache' : 'recomputed'} in ${ms(t)}`);

// 3. A new user who picked categories at onboarding.
const favourite = Object.entries(profile.categoryAffinity).sort((a, b) => b[1] - a[1])[0]?.[0] ?? items[0]!.category!;
await recommender.setPreferences('onboarded-visitor', { categories: [favourite] });
t = performance.now();
show(`A new user who chose category ${favourite} at onboarding`, await recommender.recommend({ userId: 'onboarded-visitor', n: 5 }), ms(t));

// 4. Trending and "more like this".
t = performance.now();
const trending = await recommender.trending({ n: 5 });
line(`\nTrending now: ${trending.map((r) => `${r.itemId} (${r.category})`).join(', ')}  [${ms(t)}]`);
const seed = personal.items[0]?.itemId ?? trending[0]!.itemId;
t = performance.now();
const similar = await recommender.similarItems(seed, { n: 5 });
line(`More like ${seed}: ${similar.map((r) => `${r.itemId} (${r.category}, ${r.score.toFixed(2)})`).join(', ')}  [${ms(t)}]`);

// 5. A new article, published after training: recommendable at once through its embedding.
const source = items.find((item) => item.id === personal.items[0]?.itemId) ?? items[0]!;
if (source.embedding) {
  t = performance.now();
  await recommender.ingestItems([{ id: 'just-published', title: 'Just published', category: source.category, createdAt: Date.now(), embedding: Float32Array.from(source.embedding) }]);
  const fresh = await recommender.similarItems('just-published', { n: 3 });
  line(`\nA new article (just-published, nobody has clicked it) is similar to: ${fresh.map((r) => `${r.itemId} (${r.source})`).join(', ')}  [ingest + similar ${ms(t)}]`);
}

const m = recommender.metrics();
line(`\nDone in ${ms(started)}. ${m.recommendations} recommendation calls, ${m.cacheHits} cache hits, ${m.coldStarts} cold starts.`);
line('Next: README.md (five-minute code example), docs/getting-started.md, npm test, npm run bench.');
