/**
 * `npm run bench:compare -- --base REV`: the engine's figures for this tree and for an earlier
 * commit, side by side in one run on one machine — ingestion, training, `recommend()` latency and
 * the news replay. The earlier commit is checked out in a temporary git worktree that shares this
 * tree's node_modules; each tree runs its own benchmark scripts, in alternating order, each
 * measurement in a fresh process. The result replaces the "side by side" section of BENCHMARKS.md.
 *
 *   npm run bench:compare -- --base HEAD~1
 *   npm run bench:compare -- --base 6e8e3f0 --scale demo --rounds 3
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fmt, gitRevision, log, machine, runChild } from './lib';

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    /** The commit to compare with the base. @default this working tree */
    head: { type: 'string' },
    scale: { type: 'string', default: 'full' },
    /** What to measure: engine, replay. */
    sections: { type: 'string', default: 'engine,replay' },
    rounds: { type: 'string', default: '2' },
    out: { type: 'string', default: 'BENCHMARKS.md' },
  },
});
if (!values.base) {
  console.error('usage: npm run bench:compare -- --base REV [--scale full|demo] [--rounds 2]');
  process.exit(2);
}
const root = resolve(new URL('..', import.meta.url).pathname);
const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
const base = git('rev-parse', '--short', values.base);
const head = values.head ? git('rev-parse', '--short', values.head) : gitRevision();
const sections = values.sections!.split(',');
const rounds = Math.max(1, Number(values.rounds));

interface Latency { n: number; p50: number; p99: number }
interface EngineResult {
  clicks: number;
  itemsMs: number;
  ingestMs: number;
  trainMs: number;
  latency: { personalizedCold: Latency; coldStartCold: Latency; warm: Latency };
}
interface ReplayRow { model: string; update: string; hitRate: number; mrr: number; stats: { throughput: number } }
interface ReplayResult { cases: number; results: ReplayRow[] }

/** A worktree of `rev` whose node_modules are this tree's, with the workspace packages pointing at the worktree's own sources. */
async function checkout(rev: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `mycontent-${rev}-`));
  git('worktree', 'add', '--detach', '--force', dir, rev);
  mkdirSync(join(dir, 'node_modules'));
  for (const entry of readdirSync(join(root, 'node_modules'))) {
    if (entry !== '@mycontent') symlinkSync(join(root, 'node_modules', entry), join(dir, 'node_modules', entry));
  }
  mkdirSync(join(dir, 'node_modules', '@mycontent'));
  for (const [name, path] of [['core', 'packages/core'], ['algorithms', 'packages/algorithms'], ['adapters', 'packages/adapters']]) {
    symlinkSync(join(dir, path!), join(dir, 'node_modules', '@mycontent', name!));
  }
  return {
    dir,
    remove: async () => {
      git('worktree', 'remove', '--force', dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs one of a tree's benchmark scripts in a fresh process, from that tree. */
function run<T>(tree: string, script: string, args: string[]): T {
  return runChild<T>(join(tree, 'bench', script), args, tree);
}

const dataset = runChild<{ dir: string }>('./foundation/dataset.ts', [values.scale!, '42']);
const old = await checkout(base);
const checkedHead = values.head ? await checkout(head) : undefined;
const trees: Record<string, string> = { [base]: old.dir, [head]: checkedHead?.dir ?? root };
const engine: Record<string, EngineResult[]> = { [base]: [], [head]: [] };
const replay: Record<string, ReplayResult[]> = { [base]: [], [head]: [] };
try {
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [base, head] : [head, base];
    for (const rev of order) {
      if (sections.includes('engine')) {
        log(`round ${round + 1}/${rounds}: ${rev} engine`);
        engine[rev]!.push(run<EngineResult>(trees[rev]!, 'foundation/engine.ts', [dataset.dir, '2000']));
      }
      if (sections.includes('replay')) {
        log(`round ${round + 1}/${rounds}: ${rev} replay`);
        replay[rev]!.push(run<ReplayResult>(trees[rev]!, 'session/replay.ts', [values.scale!, '20000', 'sr,news']));
      }
    }
  }
} finally {
  await old.remove();
  await checkedHead?.remove();
}

// The best of the rounds: on a shared machine, noise only ever makes a run slower.
const best = (xs: number[]) => Math.min(...xs);
const bestThroughput = (xs: number[]) => Math.max(...xs);
const row = (label: string, unit: string, pick: (r: EngineResult) => number, digits = 1) => {
  const [a, b] = [best(engine[base]!.map(pick)), best(engine[head]!.map(pick))];
  return `| ${label} | ${fmt(a, digits)} ${unit} | ${fmt(b, digits)} ${unit} | ${b >= a ? '+' : ''}${fmt((100 * (b - a)) / a, 1)} % |`;
};
const replayRows = (replay[head]![0]?.results ?? []).map((r) => {
  const mine = (rev: string, pick: (x: ReplayRow) => number) => bestThroughput(replay[rev]!.map((run) => pick(run.results.find((x) => x.model === r.model && x.update === r.update)!)));
  const [hrA, hrB] = [mine(base, (x) => x.hitRate), mine(head, (x) => x.hitRate)];
  const [mrrA, mrrB] = [mine(base, (x) => x.mrr), mine(head, (x) => x.mrr)];
  const [tA, tB] = [mine(base, (x) => x.stats.throughput), mine(head, (x) => x.stats.throughput)];
  return `| ${r.model} (${r.update}) | ${hrA.toFixed(4)} / ${mrrA.toFixed(4)} | ${hrB.toFixed(4)} / ${mrrB.toFixed(4)} | ${fmt(tA, 0)} | ${fmt(tB, 0)} | ${tB >= tA ? '+' : ''}${fmt((100 * (tB - tA)) / tA, 1)} % |`;
});

const section = `<!-- side-by-side:start -->
## Side by side: ${head} against ${base}

\`npm run bench:compare -- --base ${base}${values.head ? ` --head ${head}` : ''} --scale ${values.scale} --rounds ${rounds} --sections ${sections.join(',')}\`, ${new Date().toISOString().slice(0, 10)}, ${machine()}.
Both trees ran the same measurements in one run, alternating, each in a fresh process; the best of ${rounds} rounds (least time, most throughput: on a shared machine noise only slows a run down).
${[
  engine[head]![0] ? `Engine on memory adapters (trending + item-kNN), the ${values.scale}-scale synthetic Globo log (${engine[head]![0]!.clicks.toLocaleString()} clicks).` : '',
  replay[head]![0] ? `Replay of the ${values.scale}-scale synthetic news log's last two days (${replay[head]![0]!.cases.toLocaleString()} next-click questions).` : '',
].filter(Boolean).join('\n')}

${engine[head]!.length === 0 ? '' : `| engine | ${base} | ${head} | change |
| --- | --- | --- | --- |
${row('ingest items', 'ms', (r) => r.itemsMs, 0)}
${row('ingest interactions', 's', (r) => r.ingestMs / 1000)}
${row('train (trending + item-kNN)', 's', (r) => r.trainMs / 1000)}
${row('recommend, personalised, cache miss, p50', 'ms', (r) => r.latency.personalizedCold.p50, 2)}
${row('recommend, personalised, cache miss, p99', 'ms', (r) => r.latency.personalizedCold.p99, 2)}
${row('recommend, cold start, p50', 'ms', (r) => r.latency.coldStartCold.p50, 2)}
${row('recommend, cache hit, p50', 'ms', (r) => r.latency.warm.p50, 3)}
`}
${replayRows.length === 0 ? '' : `| replay | HR@10 / MRR@10, ${base} | HR@10 / MRR@10, ${head} | (events + queries)/s, ${base} | ${head} | change |
| --- | --- | --- | --- | --- | --- |
${replayRows.join('\n')}
`}<!-- side-by-side:end -->`;

const path = resolve(root, values.out!);
const current = existsSync(path) ? readFileSync(path, 'utf8') : '';
const marked = /<!-- side-by-side:start -->[\s\S]*<!-- side-by-side:end -->/;
writeFileSync(path, marked.test(current) ? current.replace(marked, section) : `${current.trimEnd()}\n\n${section}\n`);
writeFileSync(join(root, 'bench', '.data', `compare-${base}-${head}.json`), JSON.stringify({ base, head, engine, replay }));
log(`wrote the side-by-side section of ${values.out}`);
console.log(section);
