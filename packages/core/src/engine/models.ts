import { MyContentError } from '../errors/error';
import { fnv1a32 } from '../hash/fnv';
import { decodeModelArtifact, encodeModelArtifact, type ModelArtifact } from '../model/artifact';
import { yieldToEventLoop } from '../scheduling/yield';
import type { FitContext, Progress, RecommenderModel } from '../model/contract';
import { DatasetBuilder } from '../model/dataset';
import type { ModelRegistry, ModelVersionInfo } from '../ports/model-registry';
import { ENGINE } from './config';
import type { EngineCore } from './core';
import type { ModelRefresh, SaveModelsOptions, TrainReport } from './types';

/** Throws `NOT_TRAINED` naming the first model that is neither fitted nor loaded. */
export function assertTrained(core: EngineCore): void {
  const { models, names } = core.config.ranker;
  for (const name of names) {
    if (!models[name]!.trained) {
      throw new MyContentError('NOT_TRAINED', `model "${name}" is not trained: call train() or loadModels() first`, { source: ENGINE, field: `models.${name}` });
    }
  }
}

/** `train()`: reads every interaction from the store and fits every model, one after the other. */
export async function train(core: EngineCore, context: FitContext = {}): Promise<TrainReport> {
  const started = performance.now();
  const { models, names, interactionWeights } = core.config.ranker;
  await core.ensureCatalog();
  const report = (progress: Progress) => context.onProgress?.(progress);
  const total = await core.store.interactions.count();
  const builder = new DatasetBuilder(core.catalog, interactionWeights, Math.max(1024, total));
  for await (const page of core.store.interactions.scan()) {
    if (context.signal?.aborted) throw new MyContentError('ABORTED', 'training aborted', { source: ENGINE });
    builder.addAll(page);
    report({ phase: 'reading interactions', done: builder.length, total });
  }
  const data = builder.build();
  const timings: Record<string, { ms: number }> = {};
  for (const name of names) {
    const t0 = performance.now();
    await models[name]!.fit(data, {
      ...(context.signal ? { signal: context.signal } : {}),
      onProgress: (p) => report({ ...p, phase: `${name}: ${p.phase}` }),
    });
    timings[name] = { ms: performance.now() - t0 };
  }
  core.modelsVersion = `t${core.clock().toString(36)}`;
  core.modelsTrainedAt = core.clock();
  core.loadedVersions = undefined;
  core.previousModelsVersion = undefined;
  return { items: core.catalog.size, users: data.users.length, interactions: data.length, models: timings, ms: performance.now() - started };
}

/** `saveModels()`: a new version of every model in the registry, serving at once unless `promote: false`. */
export async function saveModels(core: EngineCore, metadata: Record<string, unknown> = {}, options: SaveModelsOptions = {}): Promise<Record<string, ModelVersionInfo>> {
  const registry = requireRegistry(core, 'saveModels');
  assertTrained(core);
  const { models, names } = core.config.ranker;
  const saved: Record<string, ModelVersionInfo> = {};
  for (const name of names) {
    const bytes = encodeModelArtifact(models[name]!.toArtifact());
    saved[name] = await registry.save(name, bytes, { ...metadata, kind: models[name]!.kind }, { state: options.promote === false ? 'candidate' : 'serving' });
  }
  // Promoted, the saved versions are the ones this engine serves: a refresh has nothing to load.
  if (options.promote !== false) core.loadedVersions = Object.fromEntries(names.map((name) => [name, saved[name]!.version]));
  return saved;
}

/**
 * `loadModels()`: the serving (or given) version of every model, from the registry, blue/green:
 * every artifact is read and decoded first, each restored into a fresh copy of its model
 * (`untrainedCopy`) and warmed, then all copies replace the serving models in one synchronous
 * step — a request never meets a half-loaded model, nor one model of the old set and one of the
 * new. A model not trained yet (the first load), without `untrainedCopy`, or whose index the
 * catalogue feeds (content) is restored in place, in that same step. Nothing changes when a
 * version is missing or unreadable.
 */
export async function loadModels(core: EngineCore, versions: Record<string, number> = {}): Promise<Record<string, number>> {
  const registry = requireRegistry(core, 'loadModels');
  await core.ensureCatalog();
  const { ranker } = core.config;
  const stored = await Promise.all(ranker.names.map(async (name) => ({ name, stored: await registry.load(name, versions[name]) })));
  const artifacts: { name: string; version: number; savedAt: number; artifact: ModelArtifact }[] = [];
  for (const { name, stored: found } of stored) {
    if (!found) {
      throw new MyContentError('NOT_FOUND', `no ${versions[name] ? `version ${versions[name]}` : 'serving version'} of model "${name}" in the registry`, { source: ENGINE, field: name });
    }
    // One artifact at a time, the event loop free in between: the serving models keep answering.
    await yieldToEventLoop();
    artifacts.push({ name, version: found.version, savedAt: found.createdAt, artifact: decodeModelArtifact(found.bytes) });
  }
  // Green: fresh copies restored and warmed while the serving models keep answering.
  const green: (RecommenderModel | undefined)[] = [];
  for (const { name, artifact } of artifacts) {
    // Nothing to switch from when the model is not trained yet (the first load): restored in place,
    // so the host's own model objects hold what they serve. A content model's index is fed by the
    // catalogue, not by its artifact: it is restored in place too.
    const serving = ranker.models[name]!;
    const copy = !serving.trained || serving.indexItems ? undefined : serving.untrainedCopy?.();
    if (copy) {
      await yieldToEventLoop();
      copy.restore(artifact, core.catalog);
      await warm(copy, core.catalog.size);
    }
    green.push(copy);
  }
  // The switch: one synchronous step.
  artifacts.forEach(({ name, artifact }, i) => {
    const copy = green[i];
    if (copy) ranker.replaceModel(name, copy);
    else ranker.models[name]!.restore(artifact, core.catalog);
  });
  const loaded = Object.fromEntries(artifacts.map((a) => [a.name, a.version]));
  core.loadedVersions = loaded;
  core.modelsTrainedAt = Math.min(...artifacts.map((a) => a.savedAt));
  const switched = `v${fnv1a32(JSON.stringify(artifacts.map((a) => ({ name: a.name, version: a.version })))).toString(36)}`;
  if (switched !== core.modelsVersion) {
    core.previousModelsVersion = core.modelsVersion !== 'untrained' && core.config.onModelSwitch === 'keep-cached-lists' ? core.modelsVersion : undefined;
    core.previousModelsUntil = core.clock() + core.config.ttl.reco;
    core.modelsVersion = switched;
  }
  return loaded;
}

/**
 * `refreshModels()`: loads the registry's serving versions when any differs from the versions
 * this engine serves (a promotion or a rollback elsewhere); otherwise reads only the versions'
 * descriptions.
 */
export async function refreshModels(core: EngineCore): Promise<ModelRefresh> {
  const registry = requireRegistry(core, 'refreshModels');
  const serving: Record<string, number> = {};
  for (const name of core.config.ranker.names) {
    const found = (await registry.list(name)).find((v) => v.state === 'serving');
    if (!found) throw new MyContentError('NOT_FOUND', `no serving version of model "${name}" in the registry`, { source: ENGINE, field: name });
    serving[name] = found.version;
  }
  const before = core.loadedVersions;
  if (before && Object.entries(serving).every(([name, version]) => before[name] === version)) return { changed: false, versions: serving };
  return { changed: true, versions: await loadModels(core, serving), ...(before ? { previous: before } : {}) };
}

/** Builds whatever a model computes lazily on its first answers, before it serves. */
async function warm(model: RecommenderModel, items: number): Promise<void> {
  if (model.capabilities.trending) model.trending?.({ k: 10 });
  if (model.capabilities.similarItems && items > 0) await model.similar?.(0, 10);
}

function requireRegistry(core: EngineCore, call: string): ModelRegistry {
  if (!core.registry) throw new MyContentError('INVALID_CONFIG', `${call}() needs a registry option`, { source: ENGINE, field: 'registry' });
  return core.registry;
}
