import { MyContentError } from '../errors/error';
import { fnv1a32 } from '../hash/fnv';
import { decodeModelArtifact, encodeModelArtifact } from '../model/artifact';
import type { FitContext, Progress } from '../model/contract';
import { DatasetBuilder } from '../model/dataset';
import type { ModelVersionInfo } from '../ports/model-registry';
import { ENGINE } from './config';
import type { EngineCore } from './core';
import type { TrainReport } from './types';

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
  return { items: core.catalog.size, users: data.users.length, interactions: data.length, models: timings, ms: performance.now() - started };
}

/** `saveModels()`: a new version of every model in the registry. */
export async function saveModels(core: EngineCore, metadata: Record<string, unknown> = {}): Promise<Record<string, ModelVersionInfo>> {
  const registry = core.registry;
  if (!registry) throw new MyContentError('INVALID_CONFIG', 'saveModels() needs a registry option', { source: ENGINE, field: 'registry' });
  assertTrained(core);
  const { models, names } = core.config.ranker;
  const saved: Record<string, ModelVersionInfo> = {};
  for (const name of names) {
    const bytes = encodeModelArtifact(models[name]!.toArtifact());
    saved[name] = await registry.save(name, bytes, { ...metadata, kind: models[name]!.kind });
  }
  return saved;
}

/** `loadModels()`: the latest (or given) version of every model, from the registry. */
export async function loadModels(core: EngineCore, versions: Record<string, number> = {}): Promise<void> {
  const registry = core.registry;
  if (!registry) throw new MyContentError('INVALID_CONFIG', 'loadModels() needs a registry option', { source: ENGINE, field: 'registry' });
  await core.ensureCatalog();
  const { models, names } = core.config.ranker;
  const loaded: { name: string; version: number }[] = [];
  const savedAt: number[] = [];
  for (const name of names) {
    const stored = await registry.load(name, versions[name]);
    if (!stored) {
      throw new MyContentError('NOT_FOUND', `no saved version of model "${name}"${versions[name] ? ` (version ${versions[name]})` : ''}`, { source: ENGINE, field: name });
    }
    models[name]!.restore(decodeModelArtifact(stored.bytes), core.catalog);
    loaded.push({ name, version: stored.version });
    savedAt.push(stored.createdAt);
  }
  core.modelsTrainedAt = Math.min(...savedAt);
  core.modelsVersion = `v${fnv1a32(JSON.stringify(loaded)).toString(36)}`;
}
