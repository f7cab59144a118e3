/**
 * `npm run bench:neural`: the neural models, side by side with a baseline in one run, written to
 * the `neural` section of BENCHMARKS.md.
 *
 *   npm run bench:neural                        # throughput, memory, latency, and quality on the Globo clicks
 *   npm run bench:neural -- --skip-quality      # without the replay on real clicks (~10 min of it)
 *
 * Training throughput: GRU4Rec, SASRec and NCF as shipped (layers over typed arrays, worker
 * thread) against the same networks, sizes and losses on TensorFlow.js's CPU backend. Quality:
 * GRU4Rec and SASRec against sequential rules and V-SkNN, and the news preset with its learned
 * ranking stage (linear, Wide & Deep), in one replay of the validation window of
 * `../shared/data/globo-dev/`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ItemCatalog, blendSources, createLearnedRanking, datasetFromInteractions, encodeModelArtifact, type BlendSource, type Interaction, type RecommenderModel } from '@mycontent/core';
import { loadInteractionsFile } from '@mycontent/core/data';
import { evaluateReplay, type ReplayReport } from '@mycontent/core/eval';
import {
  createGru4RecModel,
  createNcfModel,
  createRecentPopularityModel,
  createSasRecModel,
  createSequentialRulesModel,
  createSessionKnnModel,
  createWideDeepScorer,
  newsPreset,
} from '@mycontent/algorithms';
import { fmt, gitRevision, log, machine, percentile } from './lib';
import { tfjsGru4RecThroughput } from './neural/tfjs-gru4rec';
import { tfjsNcfThroughput } from './neural/tfjs-ncf';
import { tfjsSasRecThroughput } from './neural/tfjs-sasrec';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'BENCHMARKS.md' },
    clicks: { type: 'string', default: '../shared/data/globo-dev/clicks.csv.gz' },
    at: { type: 'string', default: '2017-10-13T03:36:00Z' },
    'max-cases': { type: 'string', default: '5000' },
    'skip-quality': { type: 'boolean', default: false },
  },
});

const SIZES = { hidden: 100, embedding: 100, batchSize: 32, negatives: 256 };
const SASREC = { dimensions: 64, heads: 1, blocks: 2, batchSize: 64, negatives: 256 };
type SessionModel = 'gru4rec' | 'sasrec';
const createSessionModel = (kind: SessionModel, options: Record<string, number>) =>
  kind === 'sasrec' ? createSasRecModel({ ...SASREC, ...options }) : createGru4RecModel({ ...SIZES, ...options });
const T0 = Date.UTC(2024, 0, 1);

/** Seeded sessions over `items` articles: each a short walk where the next click is near the last. */
function sessions(items: number, count: number, seed = 7): { catalog: ItemCatalog; rows: Interaction[]; examples: number } {
  const catalog = new ItemCatalog();
  for (let i = 0; i < items; i++) catalog.upsert({ id: `a${i}`, category: `c${i % 20}`, createdAt: 0 });
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const rows: Interaction[] = [];
  let examples = 0;
  for (let n = 0; n < count; n++) {
    const length = 2 + Math.floor(rand() * 6);
    let item = Math.floor(rand() * rand() * items);
    for (let p = 0; p < length; p++) {
      rows.push({ userId: `u${n % 5000}`, itemId: `a${item}`, type: 'click', sessionId: `s${n}`, timestamp: T0 + n * 10_000 + p * 1000 });
      item = (item + 1 + Math.floor(rand() * 5)) % items;
    }
    examples += length - 1;
  }
  return { catalog, rows, examples };
}

interface Throughput {
  items: number;
  ours: number;
  oursFitS: number;
  tfjs?: number;
  tfjsMsPerStep?: number;
}

async function throughput(kind: SessionModel, items: number, count: number, withTfjs: boolean): Promise<Throughput> {
  const { catalog, rows, examples } = sessions(items, count);
  const data = datasetFromInteractions(rows, catalog);
  const model = createSessionModel(kind, { epochs: 1, seed: 1 });
  const started = performance.now();
  await model.fit(data);
  const seconds = (performance.now() - started) / 1000;
  log(`${kind}, ${items} items: ${fmt(examples / seconds, 0)} examples/s (${fmt(seconds, 1)} s)`);
  const result: Throughput = { items, ours: examples / seconds, oursFitS: seconds };
  if (withTfjs) {
    // Sessions of 2 to 7 clicks: SASRec's TensorFlow.js batch pads them to 7 positions.
    const tfjs =
      kind === 'sasrec'
        ? await tfjsSasRecThroughput({ items, dimensions: SASREC.dimensions, blocks: SASREC.blocks, batchSize: SASREC.batchSize, length: 7, negatives: SASREC.negatives, meanRows: examples / count }, 2, 1)
        : await tfjsGru4RecThroughput({ items, ...SIZES }, 3, 1);
    log(`tfjs CPU ${kind}, ${items} items: ${fmt(tfjs.examplesPerSecond, 1)} examples/s (${fmt(tfjs.msPerStep, 0)} ms a step)`);
    result.tfjs = tfjs.examplesPerSecond;
    result.tfjsMsPerStep = tfjs.msPerStep;
  }
  return result;
}

/** Parameters of a fitted model: the floats of its artifact, less its bookkeeping. */
function parametersOf(model: RecommenderModel & { toArtifact(): { arrays: Record<string, ArrayLike<number>> } }): number {
  const { arrays } = model.toArtifact();
  return Object.entries(arrays).reduce((sum, [name, values]) => (name === 'lastSeen' || name === 'recent' ? sum : sum + values.length), 0);
}

/** `recommend()` latency over 2,000 queries (the first 100 are warm-up). */
function latency(recommend: (q: number, rand: () => number) => void) {
  let s = 3;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const times: number[] = [];
  for (let q = 0; q < 2_000; q++) {
    const started = performance.now();
    recommend(q, rand);
    if (q >= 100) times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

/** Memory and `recommend()` latency of a session model fitted at Globo's size (41,000 articles). */
async function servingCosts(kind: SessionModel) {
  const { catalog, rows } = sessions(41_000, 60_000);
  const data = datasetFromInteractions(rows, catalog);
  const model = createSessionModel(kind, { epochs: 1, seed: 1, itemTtlMs: Number.POSITIVE_INFINITY });
  await model.fit(data);
  const artifactBytes = encodeModelArtifact(model.toArtifact()).byteLength;
  // Training holds each parameter four times (value, gradient, two Adam moments) in shared memory.
  const parameters = parametersOf(model);
  const N = catalog.size;
  const { p50, p99 } = latency((_, rand) => {
    const session = Int32Array.from({ length: 1 + Math.floor(rand() * 5) }, () => Math.floor(rand() * N));
    model.recommend({ history: new Int32Array(0), session, k: 10 });
  });
  return { kind, items: N, parameters, artifactBytes, trainingBytes: parameters * 16, p50, p99 };
}

/** NCF's memory and `recommend()` latency, 5,000 users × 2,000 articles (one epoch: latency does not depend on it). */
async function ncfServingCosts() {
  const { catalog, rows } = sessions(2_000, 20_000);
  const data = datasetFromInteractions(rows, catalog);
  const model = createNcfModel({ epochs: 1, seed: 1 });
  await model.fit(data);
  const parameters = parametersOf(model);
  const artifactBytes = encodeModelArtifact(model.toArtifact()).byteLength;
  const { p50, p99 } = latency((q) => model.recommend({ userId: `u${q % 5000}`, history: new Int32Array(0), k: 10 }));
  return { kind: 'ncf', items: catalog.size, parameters, artifactBytes, trainingBytes: parameters * 16, p50, p99 };
}

async function quality(): Promise<ReplayReport> {
  const table = await loadInteractionsFile(values.clicks!);
  const news = { trainingWindowMs: 24 * 3_600_000, itemTtlMs: 2 * 3_600_000, epochs: 1 };
  return evaluateReplay({
    table,
    at: Date.parse(values.at!),
    maxCases: Number(values['max-cases']),
    updates: [{ kind: 'online' }],
    fallback: () => createRecentPopularityModel(),
    models: {
      gru4rec: () => createGru4RecModel(news),
      sasrec: () => createSasRecModel(news),
      sr: () => createSequentialRulesModel(),
      vsknn: () => createSessionKnnModel({ variant: 'vsknn' }),
      news: () => newsPreset(),
      'news + learned linear': () => newsPreset({ learned: true }),
      'news + wide & deep': () => newsPreset({ learned: { scorer: createWideDeepScorer() } }),
    },
    onProgress: (p) => {
      if (p.done === p.total || p.done % 1024 === 0) log(`${p.phase} ${p.done}/${p.total}`);
    },
  });
}

/**
 * The learned ranking stage's cost per request and per click, linear against Wide & Deep: three
 * sources of 50 candidates each over 41,000 articles in 400 categories, one click per list.
 */
function rankingCosts() {
  const catalog = new ItemCatalog();
  for (let i = 0; i < 41_000; i++) catalog.upsert({ id: `a${i}`, category: `c${i % 400}`, createdAt: T0 });
  const measure = (name: string, scorer?: ReturnType<typeof createWideDeepScorer>) => {
    const ranking = createLearnedRanking(scorer ? { scorer } : {});
    ranking.attach(['sessions', 'items', 'recent']);
    let s = 11;
    const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const rankTimes: number[] = [];
    const learnTimes: number[] = [];
    for (let q = 0; q < 3_000; q++) {
      const sources: BlendSource[] = ['sessions', 'items', 'recent'].map((source, j) => {
        const items = Int32Array.from({ length: 50 }, () => Math.floor(rand() * 41_000));
        return { name: source, weight: [1, 0.25, 0.1][j]!, result: { items, scores: Float32Array.from(items, (_, r) => 50 - r) } };
      });
      const session = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => Math.floor(rand() * 41_000));
      const now = T0 + q * 1_000;
      let started = performance.now();
      const list = ranking.rank(blendSources(sources, Number.POSITIVE_INFINITY, 'rank'), sources, { key: `s${q}`, now, sessionLength: session.length, session, positive: session, catalog });
      if (q >= 200) rankTimes.push(performance.now() - started);
      started = performance.now();
      ranking.observe({ userId: `u${q}`, sessionId: `s${q}`, item: list[Math.floor(rand() * Math.min(10, list.length))]!.item, weight: 1, timestamp: now + 500 });
      if (q >= 200) learnTimes.push(performance.now() - started);
    }
    rankTimes.sort((a, b) => a - b);
    learnTimes.sort((a, b) => a - b);
    const result = { name, candidates: 150, rankP50: percentile(rankTimes, 50), rankP99: percentile(rankTimes, 99), learnP50: percentile(learnTimes, 50), learnP99: percentile(learnTimes, 99) };
    log(`${name}: rank p99 ${fmt(result.rankP99, 3)} ms, learn p99 ${fmt(result.learnP99, 3)} ms`);
    return result;
  };
  // Wide & Deep's weights: the hashed crosses and the category embeddings, each with its AdaGrad sum, and the MLP.
  const features = 3 * 3 + 5;
  const wideDeepBytes = (262_144 + 4096 * 8) * 2 * 4 + ((features + 24) * 32 + 32 + 32 * 16 + 16 + 16 + 1) * 2 * 4;
  return { rows: [measure('linear'), measure('wide & deep', createWideDeepScorer())], wideDeepBytes };
}

interface EvaluationRow { model: string; fitMs: number; metrics: { ndcg: number; precision: number; recall: number; hitRate: number } }

/**
 * NCF against BPR and ALS on MovieLens-100k-shaped ratings, through the CLI's `evaluate` (same
 * split, full ranking), and NCF's training throughput against TensorFlow.js's.
 */
async function ncf() {
  const cli = (...args: string[]) => execFileSync('npm', ['run', '--silent', 'cli', '--', ...args], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (!existsSync('data/ml/u.data')) cli('generate', '--kind', 'ratings', '--seed', '1', '--out', 'data/ml');
  cli('evaluate', '--data', 'data/ml', '--format', 'movielens', '--models', 'bpr,als,ncf', '--json', 'data/ncf-evaluation.json');
  const report = JSON.parse(readFileSync('data/ncf-evaluation.json', 'utf8')) as { trainInteractions: number; cases: number; results: EvaluationRow[] };
  const ncfRow = report.results.find((r) => r.model === 'ncf')!;
  // Defaults: 20 epochs, each positive with 4 negatives.
  const ours = (report.trainInteractions * 5 * 20) / (ncfRow.fitMs / 1000);
  log(`NCF: ${fmt(ours, 0)} examples/s`);
  const tfjs = await tfjsNcfThroughput({ users: 943, items: 1682, gmfFactors: 32, mlpFactors: 32, layers: [64, 32, 16], batch: 256 * 5 }, 2, 1);
  log(`tfjs CPU NCF: ${fmt(tfjs.examplesPerSecond, 1)} examples/s`);
  const parameters = (943 + 1682) * 64 + 64 * 64 + 64 + 64 * 32 + 32 + 32 * 16 + 16 + 48 + 1;
  return { report, ours, tfjs, parameters };
}

const neumf = await ncf();
const small = await throughput('gru4rec', 2_000, 20_000, true);
const large = await throughput('gru4rec', 41_000, 60_000, false);
const sasSmall = await throughput('sasrec', 2_000, 20_000, true);
const sasLarge = await throughput('sasrec', 41_000, 60_000, false);
const costs = [await servingCosts('gru4rec'), await servingCosts('sasrec'), await ncfServingCosts()];
const ranking = rankingCosts();
const replay = values['skip-quality'] || !existsSync(values.clicks!) ? undefined : await quality();

const mb = (bytes: number) => `${fmt(bytes / 2 ** 20, 1)} MB`;
const qualityPart = replay
  ? `### Quality on real news clicks (Globo.com, validation window)

Replay from ${values.at} of \`${values.clicks}\`: ${replay.cases.toLocaleString('en-US')} next clicks asked, each answered
with only the events before it, every model learning online from the stream (the protocol of \`evaluate --protocol replay\`);
${replay.trainInteractions.toLocaleString('en-US')} training clicks; ${fmt(100 * replay.unseenTargets, 1)} % of the next clicks go to
articles absent from training. GRU4Rec and SASRec train on the last 24 h before the window (1 epoch) and recommend articles
clicked in the last 2 h. \`news\` is the news preset as shipped; \`news + learned linear\` and \`news + wide & deep\` rank its
candidates with the learned ranking stage, its default linear scorer or \`createWideDeepScorer()\`, learning online.

| model | HR@10 | MRR@10 | nDCG@10 | fit | (events+queries)/s |
| --- | --- | --- | --- | --- | --- |
${replay.results.map((r) => `| ${r.model} | ${fmt(r.hitRate, 4)} | ${fmt(r.mrr, 4)} | ${fmt(r.ndcg, 4)} | ${fmt(r.stats.fitMs / 1000, 1)} s | ${fmt(r.stats.throughput, 0)} |`).join('\n')}
`
  : '(Quality on real clicks not measured in this run.)\n';

const ncfPart = `### NCF (NeuMF) on MovieLens-100k-shaped ratings, against BPR and ALS

\`npm run cli -- evaluate --data data/ml --format movielens --models bpr,als,ncf\` (per-user 75/25 split, full ranking, ${neumf.report.cases.toLocaleString('en-US')} test users;
every model with its defaults — NCF: GMF 32 + MLP 32 → [64, 32, 16], 4 negatives, 20 epochs, Adam 0.001).

| model | nDCG@10 | P@10 | R@10 | HR@10 | fit |
| --- | --- | --- | --- | --- | --- |
${neumf.report.results.map((r) => `| ${r.model} | ${fmt(r.metrics.ndcg, 4)} | ${fmt(r.metrics.precision, 4)} | ${fmt(r.metrics.recall, 4)} | ${fmt(r.metrics.hitRate, 4)} | ${fmt(r.fitMs / 1000, 1)} s |`).join('\n')}

Training throughput, same network and batch (256 positives × 5): ours ${fmt(neumf.ours, 0)} examples/s; TensorFlow.js CPU
${fmt(neumf.tfjs.examplesPerSecond, 1)} examples/s (${fmt(neumf.tfjs.msPerStep / 1000, 1)} s a step) — ${fmt(neumf.ours / neumf.tfjs.examplesPerSecond, 0)}×. Parameters: ${neumf.parameters.toLocaleString('en-US')}
(${mb(neumf.parameters * 4)} as float32; training holds 4 copies: value, gradient, 2 Adam moments).

`;

const section = `<!-- neural:start -->
## Neural models (\`npm run bench:neural\`)

\`npm run bench:neural\` on ${new Date().toISOString().slice(0, 10)} (commit ${gitRevision()}); ${machine()}.

### Training throughput against the same networks on TensorFlow.js (CPU backend)

Seeded synthetic sessions of 2 to 7 clicks. Ours: one epoch of \`fit\` (a worker thread, data preparation included).
TensorFlow.js 4.22, CPU backend (the backend that installs here and can train embeddings), same sizes and loss.
GRU4Rec: hidden ${SIZES.hidden}, embedding ${SIZES.embedding}, batch ${SIZES.batchSize}, ${SIZES.negatives} sampled negatives, softmax cross-entropy, Adam;
TensorFlow.js 3 steps after 1 warm-up. SASRec: ${SASREC.dimensions} dimensions, ${SASREC.blocks} blocks, ${SASREC.heads} head, batches of ${SASREC.batchSize} sessions,
${SASREC.negatives} sampled negatives; ours packs the sessions, TensorFlow.js pads them to 7 positions (fixed shapes) and masks
the padding; 2 steps after 1 warm-up. An example is one predicted click.

| model | articles | ours (examples/s) | TensorFlow.js CPU (examples/s) | ratio |
| --- | --- | --- | --- | --- |
| GRU4Rec | ${small.items.toLocaleString('en-US')} | ${fmt(small.ours, 0)} | ${fmt(small.tfjs!, 1)} (${fmt(small.tfjsMsPerStep! / 1000, 2)} s a step) | ${fmt(small.ours / small.tfjs!, 0)}× |
| GRU4Rec | ${large.items.toLocaleString('en-US')} | ${fmt(large.ours, 0)} | not run (a step takes minutes) | |
| SASRec | ${sasSmall.items.toLocaleString('en-US')} | ${fmt(sasSmall.ours, 0)} | ${fmt(sasSmall.tfjs!, 1)} (${fmt(sasSmall.tfjsMsPerStep! / 1000, 2)} s a step) | ${fmt(sasSmall.ours / sasSmall.tfjs!, 0)}× |
| SASRec | ${sasLarge.items.toLocaleString('en-US')} | ${fmt(sasLarge.ours, 0)} | not run | |

TensorFlow.js's cost grows with the number of articles: its Adam and its embedding gradient are dense over the whole tables at
every step; ours update only the rows a mini-batch touched.

### Memory and serving

| model | articles | parameters | artifact | training buffers | \`recommend()\` p50 | p99 |
| --- | --- | --- | --- | --- | --- | --- |
${costs.map((c) => `| ${c.kind} | ${c.items.toLocaleString('en-US')} | ${c.parameters.toLocaleString('en-US')} | ${mb(c.artifactBytes)} | ${mb(c.trainingBytes)} | ${fmt(c.p50, 2)} ms | ${fmt(c.p99, 2)} ms |`).join('\n')}

Training buffers: each parameter four times (value, gradient, two Adam moments), in shared memory. GRU4Rec and SASRec
\`recommend()\` run the network over the session's clicks (1 to 5) and score every live article (a dot product each); NCF's scores
every article for one of 5,000 users (the item half of its first MLP layer is computed once per fit).

### The learned ranking stage: linear against Wide & Deep

Three sources of 50 candidates each (up to 150 blended) over 41,000 articles in 400 categories, then one click on the list
(one online update): milliseconds on the host, per request and per click.

| scorer | \`rank()\` p50 | p99 | click update p50 | p99 |
| --- | --- | --- | --- | --- |
${ranking.rows.map((r) => `| ${r.name} | ${fmt(r.rankP50, 3)} ms | ${fmt(r.rankP99, 3)} ms | ${fmt(r.learnP50, 3)} ms | ${fmt(r.learnP99, 3)} ms |`).join('\n')}

Wide & Deep's weights with the defaults: ${mb(ranking.wideDeepBytes)} (262,144 hashed crosses, 4,096 category embeddings of 8, the
MLP [32, 16], each with its AdaGrad sums); the linear scorer's: a few hundred bytes. Both remember the lists they ranked
(\`maxLists\`), which costs the same for either.

${ncfPart}${qualityPart}<!-- neural:end -->`;

const out = values.out!;
const previous = existsSync(out) ? readFileSync(out, 'utf8') : '';
const marked = /<!-- neural:start -->[\s\S]*?<!-- neural:end -->/;
writeFileSync(out, marked.test(previous) ? previous.replace(marked, section) : `${previous.trimEnd()}\n\n${section}\n`);
log(`wrote the neural section of ${out}`);
