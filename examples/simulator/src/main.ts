/**
 * `npm start -w @mycontent/example-simulator -- [--seed 1] [--days 5] [--json out.json]`: runs every
 * policy through the same simulated week of news and prints the comparison.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createWorld, runPolicy, type PolicyReport } from './simulator';
import { POLICIES } from './policies';

const { values } = parseArgs({ options: { seed: { type: 'string', default: '1' }, days: { type: 'string', default: '5' }, json: { type: 'string' } } });
const world = createWorld({ seed: Number(values.seed), days: Number(values.days) });
process.stderr.write(`world: ${world.articles.length} articles, ${world.users.length} users, ${world.options.days} days, seed ${world.options.seed}\n`);
const reports: PolicyReport[] = [];
for (const [name, policy] of Object.entries(POLICIES)) {
  const started = performance.now();
  reports.push(await runPolicy(world, name, policy));
  process.stderr.write(`  ${name}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
console.log('| policy | clicks per list | articles per list | CTR | new users, first 10 | mature users | regret / impression | coverage | diversity | categories per list | hours to 100 impressions (low / mid / high quality) |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of reports) {
  const h = r.hoursToExposure;
  console.log(`| ${r.policy} | ${r.clicksPerSession.toFixed(3)} | ${(r.impressions / r.sessions).toFixed(1)} | ${pct(r.ctr)} | ${pct(r.newUserCtr)} | ${pct(r.matureCtr)} | ${r.regretPerImpression.toFixed(4)} | ${pct(r.coverage)} | ${r.intraListDiversity.toFixed(3)} | ${r.categoriesPerList.toFixed(2)} | ${h.low ?? '—'} / ${h.mid ?? '—'} / ${h.high ?? '—'} |`);
}
if (values.json) await writeFile(values.json, JSON.stringify({ world: world.options, reports }, null, 2));
