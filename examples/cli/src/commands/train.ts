import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ItemCatalog, encodeModelArtifact, type ModelVersionInfo } from '@mycontent/core';
import { tableToDataset } from '@mycontent/core/data';
import { loadData } from '../data';
import { createRanking } from '../models';
import { integer } from '../options';
import { inputPath } from '../paths';
import { progressBar } from '../progress';
import { openRegistry, type RegistryOptions } from '../registry';

/** Options of `train`, as parsed. */
export interface TrainOptions extends RegistryOptions {
  data: string;
  format: string;
  model: string;
  param: string[];
  seed: string;
  candidate: boolean;
}

/** The code that trained a version: the package's version and, in a git checkout, the commit. */
function codeVersion(): Record<string, string> {
  const core = JSON.parse(readFileSync(new URL('../../../../packages/core/package.json', import.meta.url), 'utf8')) as { version: string };
  let commit: string | undefined;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    commit = undefined;
  }
  return { core: core.version, ...(commit ? { commit } : {}) };
}

/**
 * `train`: fits a model (or each model of a preset) on a dataset and registers each as a new
 * version — serving at once, or a candidate with `--candidate` — with its lineage: the data and
 * its time window, the parameters and seed, the code version, the fit time.
 */
export async function train(options: TrainOptions, log: (line: string) => void): Promise<Record<string, ModelVersionInfo>> {
  const dataPath = await inputPath('data', options.data);
  const seed = integer('seed', options.seed, 0);
  const ranking = createRanking(options.model, options.param, seed, {});
  const { registry, where, close } = openRegistry(options);
  try {
    const { table, items } = await loadData(dataPath, options.format);
    const catalog = new ItemCatalog();
    for (const item of items) catalog.upsert(item);
    const data = tableToDataset(table, catalog);
    let from = Number.POSITIVE_INFINITY;
    let to = Number.NEGATIVE_INFINITY;
    for (let r = 0; r < table.length; r++) {
      if (table.timestamp[r]! < from) from = table.timestamp[r]!;
      if (table.timestamp[r]! > to) to = table.timestamp[r]!;
    }
    const lineage = {
      data: { path: options.data, format: options.format, interactions: table.length, users: table.users.length, items: catalog.size, from: new Date(from).toISOString(), to: new Date(to).toISOString() },
      params: options.param,
      seed,
      code: codeVersion(),
      trainedAt: new Date().toISOString(),
    };
    const saved: Record<string, ModelVersionInfo> = {};
    for (const [name, model] of Object.entries(ranking.models)) {
      const bar = progressBar(`fit ${name}`);
      const started = performance.now();
      await model.fit(data, { onProgress: bar.update });
      bar.done();
      const fitMs = Math.round(performance.now() - started);
      saved[name] = await registry.save(name, encodeModelArtifact(model.toArtifact()), { ...lineage, model: options.model, kind: model.kind, fitMs }, { state: options.candidate ? 'candidate' : 'serving' });
      log(`${name}: version ${saved[name]!.version} (${saved[name]!.state}) in ${where}, fit in ${(fitMs / 1000).toFixed(2)} s on ${table.length.toLocaleString('en-US')} interactions`);
    }
    return saved;
  } finally {
    await close();
  }
}
