/**
 * The training pipeline: one cycle per call — snapshot a training window, fit each model, register
 * it as a candidate with its lineage, evaluate it and the serving version on the most recent
 * held-back period under one protocol, and promote it only if no gated metric is worse than the
 * serving version's beyond a tolerance. Every step is journaled, so a cycle interrupted anywhere
 * leaves the serving version serving and runs again from where it stopped.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ItemCatalog } from '../catalog/catalog';
import { tableToDataset, type InteractionTable } from '../data/interaction-table';
import type { Item } from '../domain/schemas';
import { MyContentError } from '../errors/error';
import { decodeModelArtifact, encodeModelArtifact } from '../model/artifact';
import type { Progress, RecommenderModel } from '../model/contract';
import type { ModelRegistry, ModelVersionInfo } from '../ports/model-registry';
import { evaluateModels, type EvaluationMetrics } from './evaluate';
import { fitInWorker, windowCatalog } from './fit-worker';
import { splitTemporal } from './split';

const SOURCE = 'training-pipeline';

/** The time window of one cycle: training data in `[from, holdoutFrom)`, evaluation in `[holdoutFrom, to)`. */
export interface CycleWindow {
  from: number;
  holdoutFrom: number;
  to: number;
}

/** The promotion gate. */
export interface PromotionGate {
  /** Metrics a candidate must not lose on. @default ['ndcg', 'hitRate'] */
  metrics?: readonly (keyof EvaluationMetrics)[];
  /** How much worse than the serving version a metric may be, relative (0.02: 2 %). @default 0.02 */
  tolerance?: number;
}

/** What happened to one model in a cycle. */
export interface ModelCycle {
  /** The candidate registered this cycle. */
  candidate: number;
  /** The version serving when the cycle evaluated (none on a first cycle). */
  serving?: number;
  metrics: { candidate: EvaluationMetrics; serving?: EvaluationMetrics };
  /** `promoted` (the candidate serves now), `refused` (the gate failed; it stays a candidate). */
  decision: 'promoted' | 'refused';
  /** Why: each gated metric against the serving version's, or that nothing served yet. */
  reasons: string[];
}

/** One cycle, as journaled and returned. */
export interface PipelineRun {
  /** The cycle's key: its end time (a run with the same `at` resumes it). */
  key: string;
  id: string;
  window: CycleWindow;
  /** Interactions read for training and for evaluation. */
  data: { training: number; holdout: number };
  /** Models done so far, by name. */
  models: Record<string, ModelCycle>;
  /** Candidates registered and not yet decided (a resumed cycle evaluates them instead of fitting again). */
  registered: Record<string, number>;
  /** `done` once every model was decided. */
  status: 'running' | 'done';
  startedAt: number;
  finishedAt?: number;
}

/** Where a pipeline keeps its cycles, so that an interrupted one resumes. */
export interface PipelineJournal {
  get(key: string): Promise<PipelineRun | undefined>;
  put(run: PipelineRun): Promise<void>;
}

/** A journal in memory (a process's cycles; a file or a table for cycles that survive a crash). */
export function createMemoryJournal(): PipelineJournal {
  const runs = new Map<string, PipelineRun>();
  return {
    get: async (key) => (runs.has(key) ? structuredClone(runs.get(key)!) : undefined),
    put: async (run) => void runs.set(run.key, structuredClone(run)),
  };
}

/**
 * A journal in a directory, one `cycle-<key>.json` per cycle, each write a rename: a cycle
 * interrupted by a crash resumes in the next process (run it again with the same `at`).
 */
export function createFileJournal(directory: string): PipelineJournal {
  // Metrics can be NaN (no categories: no diversity), which JSON cannot hold as a number.
  const encode = (_key: string, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? { $number: String(value) } : value);
  const decode = (_key: string, value: unknown) =>
    value !== null && typeof value === 'object' && '$number' in value && Object.keys(value).length === 1 ? Number((value as { $number: string }).$number) : value;
  const path = (key: string) => join(directory, `cycle-${key.replace(/[^A-Za-z0-9_-]/g, '_')}.json`);
  return {
    async get(key) {
      try {
        return JSON.parse(await readFile(path(key), 'utf8'), decode) as PipelineRun;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async put(run) {
      await mkdir(directory, { recursive: true });
      const tmp = `${path(run.key)}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(run, encode, 2));
      await rename(tmp, path(run.key));
    },
  };
}

/** Options of {@link createTrainingPipeline}. */
export interface TrainingPipelineOptions {
  registry: ModelRegistry;
  /** One factory per model, by its name in the registry: a fresh, untrained model each call. */
  models: Record<string, () => RecommenderModel>;
  /**
   * A module that calls {@link runFitWorker} with the same factories as `models`: each fit then
   * runs in a worker thread of its own, and the host's event loop keeps answering while models
   * train. Without it, models fit in the calling thread (their own kernels may still use workers).
   * A path or a `file:` URL, e.g. `new URL('./fit-worker.js', import.meta.url)`.
   */
  fitWorker?: string | URL;
  /** Reads the interactions (and the items, when known) between two times: the store, the data lake, a file. */
  data(window: { from: number; to: number }): Promise<{ table: InteractionTable; items?: readonly Item[] }>;
  /** Length of the training window, ms. */
  trainingMs: number;
  /** The most recent period held back for evaluation, ms. */
  holdoutMs: number;
  /** List length of the evaluation. @default 10 */
  k?: number;
  gate?: PromotionGate;
  /** Evaluate at most this many cases (a seeded sample). */
  maxCases?: number;
  /** @default 42 */
  seed?: number;
  /** @default an in-memory journal */
  journal?: PipelineJournal;
  onProgress?: (progress: Progress) => void;
}

/** A training pipeline: {@link TrainingPipeline.run} runs (or resumes) one cycle. */
export interface TrainingPipeline {
  /**
   * Runs the cycle ending at `at` (epoch ms), or resumes it if it was interrupted; a finished cycle
   * is returned as it was. `signal` stops it between steps and terminates a fit worker (the run
   * rejects with `ABORTED` and resumes at the next call).
   */
  run(at: number, options?: { signal?: AbortSignal }): Promise<PipelineRun>;
}

/**
 * A training pipeline over a model registry.
 *
 * @example
 * ```ts
 * const pipeline = createTrainingPipeline({
 *   registry, models: { als: () => createAlsModel() },
 *   data: ({ from, to }) => readWindow(from, to),
 *   trainingMs: 14 * DAY, holdoutMs: DAY, gate: { metrics: ['ndcg'], tolerance: 0.02 },
 * });
 * const run = await pipeline.run(Date.now()); // run.models.als.decision: 'promoted' | 'refused'
 * ```
 */
export function createTrainingPipeline(options: TrainingPipelineOptions): TrainingPipeline {
  const { registry } = options;
  const journal = options.journal ?? createMemoryJournal();
  const gateMetrics = options.gate?.metrics ?? ['ndcg', 'hitRate'];
  const tolerance = options.gate?.tolerance ?? 0.02;
  for (const [field, value] of [
    ['trainingMs', options.trainingMs],
    ['holdoutMs', options.holdoutMs],
  ] as const) {
    if (!(Number.isFinite(value) && value > 0)) throw new MyContentError('INVALID_CONFIG', `${field} must be a positive number of ms, got ${value}`, { source: SOURCE, field, value });
  }
  if (!(tolerance >= 0 && tolerance < 1)) throw new MyContentError('INVALID_CONFIG', `gate.tolerance must be in [0, 1), got ${tolerance}`, { source: SOURCE, field: 'gate.tolerance', value: tolerance });
  const names = Object.keys(options.models);
  if (names.length === 0) throw new MyContentError('INVALID_CONFIG', 'models must name at least one model factory', { source: SOURCE, field: 'models' });
  const progress = (phase: string, done: number, total: number) => options.onProgress?.({ phase, done, total });

  return {
    async run(at, { signal } = {}) {
      if (!Number.isFinite(at)) throw new MyContentError('INVALID_INPUT', `at must be a time in epoch ms, got ${at}`, { source: SOURCE, field: 'at', value: at });
      const key = String(at);
      const window: CycleWindow = { from: at - options.holdoutMs - options.trainingMs, holdoutFrom: at - options.holdoutMs, to: at };
      let run = await journal.get(key);
      if (run?.status === 'done') return run;

      // 1. The snapshot: the window's interactions, training and held-back periods.
      progress('reading the window', 0, 1);
      const { table, items = [] } = await options.data({ from: window.from, to: window.to });
      const split = splitTemporal(table, { at: window.holdoutFrom });
      if (split.train.length === 0 || split.test.length === 0) {
        throw new MyContentError('INVALID_INPUT', `the window ${new Date(window.from).toISOString()} – ${new Date(window.to).toISOString()} has ${split.train.length} training and ${split.test.length} held-back interactions: both are needed`, {
          source: SOURCE,
          field: 'data',
        });
      }
      run ??= { key, id: randomUUID(), window, data: { training: split.train.length, holdout: split.test.length }, models: {}, registered: {}, status: 'running', startedAt: Date.now() };
      await journal.put(run);

      for (const [m, name] of names.entries()) {
        if (run.models[name]) continue;
        throwIfAborted(signal);
        // One catalogue for every model of the comparison: items, then the window's items.
        const catalog = windowCatalog(table, items);

        // 2–3. Fit the candidate and register it with its lineage (or, resuming, restore the one registered).
        let candidate: RecommenderModel;
        let version = run.registered[name];
        if (version === undefined) {
          progress(`${name}: fitting`, m, names.length);
          const onProgress = (p: Progress) => options.onProgress?.({ ...p, phase: `${name}: ${p.phase}` });
          let bytes: Uint8Array;
          if (options.fitWorker) {
            const fitted = await fitInWorker(options.fitWorker, { model: name, table, items, rows: split.train }, { onProgress, ...(signal ? { signal } : {}) });
            bytes = fitted.bytes;
            candidate = options.models[name]!();
            candidate.restore(decodeModelArtifact(bytes), catalog);
          } else {
            candidate = options.models[name]!();
            await candidate.fit(tableToDataset(table, catalog, { rows: split.train }), { onProgress, ...(signal ? { signal } : {}) });
            bytes = encodeModelArtifact(candidate.toArtifact());
          }
          throwIfAborted(signal);
          const saved: ModelVersionInfo = await registry.save(
            name,
            bytes,
            {
              cycle: run.id,
              kind: candidate.kind,
              data: { from: new Date(window.from).toISOString(), to: new Date(window.holdoutFrom).toISOString(), interactions: split.train.length },
              evaluation: { from: new Date(window.holdoutFrom).toISOString(), to: new Date(window.to).toISOString(), interactions: split.test.length },
            },
            { state: 'candidate' },
          );
          version = saved.version;
          run.registered[name] = version;
          await journal.put(run);
        } else {
          candidate = await restored(name, version, catalog);
        }

        // 4. Evaluate the candidate and the serving version on the held-back period, alike.
        throwIfAborted(signal);
        progress(`${name}: evaluating`, m, names.length);
        const serving = (await registry.list(name)).find((v) => v.state === 'serving');
        const contenders: Record<string, RecommenderModel> = { candidate };
        if (serving) contenders.serving = await restored(name, serving.version, catalog);
        const report = await evaluateModels({
          table,
          split,
          models: contenders,
          pretrained: Object.keys(contenders),
          catalog,
          items,
          k: options.k ?? 10,
          ...(options.maxCases === undefined ? {} : { maxCases: options.maxCases }),
          seed: options.seed ?? 42,
        });
        const metricsOf = (who: string) => report.results.find((r) => r.model === who)!.metrics;
        const candidateMetrics = metricsOf('candidate');
        const servingMetrics = serving ? metricsOf('serving') : undefined;

        // 5. The gate, then promotion.
        throwIfAborted(signal);
        const reasons: string[] = [];
        let pass = true;
        if (!servingMetrics) reasons.push('nothing serves yet');
        else {
          for (const metric of gateMetrics) {
            const floor = servingMetrics[metric] * (1 - tolerance);
            const ok = candidateMetrics[metric] >= floor;
            if (!ok) pass = false;
            reasons.push(`${metric} ${candidateMetrics[metric].toFixed(4)} ${ok ? '≥' : '<'} ${floor.toFixed(4)} (serving v${serving!.version}: ${servingMetrics[metric].toFixed(4)} − ${(100 * tolerance).toFixed(1)} %)`);
          }
        }
        if (pass) await registry.promote(name, version);
        run.models[name] = {
          candidate: version,
          ...(serving ? { serving: serving.version } : {}),
          metrics: { candidate: candidateMetrics, ...(servingMetrics ? { serving: servingMetrics } : {}) },
          decision: pass ? 'promoted' : 'refused',
          reasons,
        };
        delete run.registered[name];
        await journal.put(run);
      }
      run.status = 'done';
      run.finishedAt = Date.now();
      await journal.put(run);
      progress('done', names.length, names.length);
      return run;
    },
  };

  async function restored(name: string, version: number, catalog: ItemCatalog): Promise<RecommenderModel> {
    const stored = await registry.load(name, version);
    if (!stored) throw new MyContentError('NOT_FOUND', `version ${version} of model "${name}" is gone from the registry`, { source: SOURCE, field: name, value: version });
    const model = options.models[name]!();
    model.restore(decodeModelArtifact(stored.bytes), catalog);
    return model;
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new MyContentError('ABORTED', 'the training cycle was aborted (it resumes at the next run)', { source: SOURCE });
}
