/**
 * Cost of assigning a user to an experiment variant, per call, beside plain FNV-1a hashing of the
 * same ids in the same run. Writes the "experiments" section of BENCHMARKS.md.
 *
 *   npm run bench:experiments -- [--calls 2000000]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { bucketOf, createExperimentAssigner } from '@mycontent/core';
import { fnv1a32 } from '@mycontent/core/internal';
import { fmt, gitRevision, log, machine } from './lib';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '2000000' }, out: { type: 'string', default: 'BENCHMARKS.md' } } });
const calls = Number(values.calls);
const users = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);
const assigner = createExperimentAssigner({
  experiments: [
    { key: 'blend-weight', variants: [{ key: 'control', weight: 0.5 }, { key: 'more', weight: 0.25 }, { key: 'less', weight: 0.25 }] },
    { key: 'feed-a', variants: [{ key: 'x' }, { key: 'y' }], namespace: ['feed', 0, 0.5], coverage: 0.8 },
  ],
  holdout: { share: 0.05 },
});

/** Nanoseconds per call of `fn`, best of 5 rounds of `calls` calls. */
function perCall(fn: (user: string) => unknown): number {
  let sink = 0;
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) if (fn(users[i % users.length]!)) sink++;
    best = Math.min(best, Number(process.hrtime.bigint() - started) / calls);
  }
  if (sink < 0) console.log(sink);
  return best;
}

log(`${fmt(calls, 0)} calls per round, best of 5`);
const rows = [
  ['plain FNV-1a of the user id (`fnv1a32`)', perCall((u) => fnv1a32(u))],
  ['the bucket of a user (`bucketOf`, hash version 2)', perCall((u) => bucketOf('blend-weight', u, 2))],
  ['`assign()`: holdout, bucket, variant (50/25/25)', perCall((u) => assigner.assign('blend-weight', u).variant)],
  ['`assign()` in a namespace with 80 % coverage', perCall((u) => assigner.assign('feed-a', u).variant)],
  ['`assignAll()`: both experiments', perCall((u) => assigner.assignAll(u).length)],
] as const;

const section = `<!-- experiments:start -->
## Assigning users to experiments (\`npm run bench:experiments\`)

\`npm run bench:experiments\` on ${new Date().toISOString().slice(0, 10)} (commit ${gitRevision()}); ${machine()}. Per call, best of 5 rounds of
${fmt(calls, 0)} calls over 100,000 user ids, one process. Target: \`assign()\` under 2 µs.

| call | per call |
| --- | --- |
${rows.map(([label, ns]) => `| ${label} | ${fmt(ns / 1000, 3)} µs |`).join('\n')}
<!-- experiments:end -->`;
const out = values.out!;
const previous = existsSync(out) ? readFileSync(out, 'utf8') : '';
const marked = /<!-- experiments:start -->[\s\S]*?<!-- experiments:end -->/;
writeFileSync(out, marked.test(previous) ? previous.replace(marked, section) : `${previous.trimEnd()}\n\n${section}\n`);
console.log(section);
