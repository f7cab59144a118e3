import { createReadStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import pg from 'pg';
import {
  MyContentError,
  createExperimentAssigner,
  experimentResults,
  interactionSchema,
  listExposureSchema,
  parseInput,
  type ExperimentResults,
  type Interaction,
  type ListExposure,
} from '@mycontent/core';
import { createPostgresExposureStore, createPostgresStore } from '@mycontent/adapters/postgres';
import { fromInvocation, inputFile } from '../paths';

/** Options of `experiment-results`, as parsed. */
export interface ExperimentResultsOptions {
  experiments: string;
  key: string;
  postgres?: string;
  schema: string;
  exposures?: string;
  interactions?: string;
  sequential: boolean;
  alpha: string;
  windowMinutes: string;
  json?: string;
}

/** The records of a JSONL file, each checked by `schema` (a bad line names its number). */
async function* jsonLines<T>(path: string, what: string, check: (value: unknown, field: string) => T): AsyncGenerator<T> {
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY })) {
    line++;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new MyContentError('FORMAT', `${what} line ${line}: not JSON`, { source: 'cli', field: `${what}:${line}` });
    }
    yield check(value, `${what} line ${line}`);
  }
}

/**
 * `experiment-results`: an experiment's results from its served lists and the feedback — read from
 * PostgreSQL (the `exposures` and `interactions` tables the engine writes) or from JSONL files —
 * printed per variant, with each variant against the control, and written as JSON for dashboards.
 */
export async function experimentResultsCommand(options: ExperimentResultsOptions, log: (line: string) => void): Promise<ExperimentResults> {
  const definitions = JSON.parse(await readFile(await inputFile('experiments', options.experiments), 'utf8')) as { experiments: unknown[] };
  const assigner = createExperimentAssigner({ experiments: (definitions.experiments ?? []) as never });
  const experiment = assigner.experiments.find((x) => x.key === options.key);
  if (!experiment) {
    throw new MyContentError('INVALID_INPUT', `--key ${JSON.stringify(options.key)} is not an experiment of ${options.experiments} (${assigner.experiments.map((x) => x.key).join(', ')})`, {
      source: 'cli',
      field: 'key',
      value: options.key,
    });
  }
  const alpha = Number(options.alpha);
  const windowMinutes = Number(options.windowMinutes);
  let pool: pg.Pool | undefined;
  let exposures: AsyncIterable<ListExposure[] | ListExposure>;
  let interactions: AsyncIterable<Interaction[] | Interaction>;
  if (options.postgres) {
    pool = new pg.Pool({ connectionString: options.postgres, max: 2 });
    exposures = createPostgresExposureStore({ pool, schema: options.schema, migrate: false }).scan({ experiment: experiment.key });
    interactions = createPostgresStore({ pool, schema: options.schema, migrate: false }).interactions.scan();
  } else if (options.exposures && options.interactions) {
    exposures = jsonLines(await inputFile('exposures', options.exposures), 'exposures', (value, field) => parseInput(listExposureSchema, value, field, 'cli'));
    interactions = jsonLines(await inputFile('interactions', options.interactions), 'interactions', (value, field) => parseInput(interactionSchema, value, field, 'cli'));
  } else {
    throw new MyContentError('INVALID_INPUT', 'give --postgres URL, or both --exposures and --interactions files', { source: 'cli', field: 'postgres' });
  }
  try {
    const results = await experimentResults({ experiment, exposures, interactions, sequential: options.sequential, alpha, attributionWindowMs: windowMinutes * 60_000 });
    print(results, log);
    if (options.json) await writeFile(fromInvocation(options.json), `${JSON.stringify(results, null, 2)}\n`);
    return results;
  } finally {
    await pool?.end();
  }
}

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;

function print(r: ExperimentResults, log: (line: string) => void): void {
  log(`experiment ${r.experiment} (control: ${r.control})`);
  log('variant         users    lists  impressions  clicks     CTR   clicks/list  read s/list  clicks/user');
  for (const v of r.variants) {
    log(
      `${v.variant.padEnd(14)}${String(v.users).padStart(7)}${String(v.lists).padStart(9)}${String(v.impressions).padStart(13)}${String(v.clicks).padStart(8)}${pct(v.ctr).padStart(10)}${v.clicksPerList.toFixed(3).padStart(13)}${v.engagementSecondsPerList.toFixed(1).padStart(13)}${v.clicksPerUser.toFixed(3).padStart(13)}`,
    );
  }
  for (const [variant, c] of Object.entries(r.comparisons)) {
    if (!c) {
      log(`${variant}: too few users to compare`);
      continue;
    }
    const line = (name: string, x: typeof c.ctr, scale = 1, unit = '') =>
      `  ${name.padEnd(22)} ${(x.difference * scale).toFixed(3)}${unit} [${(x.interval[0] * scale).toFixed(3)}, ${(x.interval[1] * scale).toFixed(3)}]  p = ${x.pValue.toPrecision(2)}${x.significant ? '  significant' : ''} (${x.method})`;
    log(`${variant} − ${r.control}:`);
    log(line('CTR (points)', c.ctr, 100));
    log(line('clicks per list', c.clicksPerList));
    log(line('reading s per list', c.engagementSecondsPerList));
    log(line('clicks per user', c.clicksPerUser));
    if (c.clicksPerUserCuped) log(line('clicks per user, CUPED', c.clicksPerUserCuped));
  }
  if (r.cuped) log(`CUPED: θ = ${r.cuped.theta.toFixed(3)}, variance −${pct(r.cuped.varianceReduction)}`);
  if (r.sampleRatio) log(`sample ratio: ${r.sampleRatio.observed.join(' / ')} users, p = ${r.sampleRatio.pValue.toPrecision(2)}${r.sampleRatio.mismatch ? ' — MISMATCH: the split is broken, do not trust the comparisons' : ' (as configured)'}`);
  const a = r.attribution;
  log(`clicks attributed: ${a.byListId} by list id, ${a.byWindow} by window; ${a.unknownListId} naming an unknown list, ${a.notInList} not in their list, ${a.unattributed} unattributed`);
}
