import { MyContentError, type ModelRegistry, type ModelVersionInfo, type StoredModel } from '@mycontent/core';
import {
  emptyServingState,
  forgetInState,
  pinnedConflict,
  promoteInState,
  rollbackInState,
  versionStatus,
  versionsToPrune,
  type ServingState,
} from '@mycontent/core/internal';

/** Name of the memory model registry adapter. */
export const MEMORY_MODEL_REGISTRY_NAME = 'memory-model-registry';

interface Saved {
  name: string;
  version: number;
  createdAt: number;
  metadata: Record<string, unknown>;
  bytes: Uint8Array;
}

/**
 * An in-process model registry: versions are numbered 1, 2, 3... per model name; bytes are copied
 * in and out. Every change of state is synchronous, hence atomic.
 *
 * @example
 * ```ts
 * const registry = createMemoryModelRegistry();
 * const recommender = createRecommender({ store, models, registry });
 * await recommender.saveModels();
 * ```
 */
export function createMemoryModelRegistry(options: { now?: () => number } = {}): ModelRegistry {
  const now = options.now ?? Date.now;
  const models = new Map<string, { versions: Saved[]; state: ServingState }>();
  const entry = (name: string) => {
    let found = models.get(name);
    if (!found) models.set(name, (found = { versions: [], state: emptyServingState() }));
    return found;
  };
  const info = (saved: Saved, state: ServingState): ModelVersionInfo => ({
    name: saved.name,
    version: saved.version,
    createdAt: saved.createdAt,
    size: saved.bytes.length,
    metadata: structuredClone(saved.metadata),
    ...versionStatus(state, saved.version),
  });
  const numbers = (name: string) => entry(name).versions.map((v) => v.version);
  const infoOf = (name: string, version: number) => {
    const { versions, state } = entry(name);
    return info(versions.find((v) => v.version === version)!, state);
  };

  return {
    name: MEMORY_MODEL_REGISTRY_NAME,
    async save(name, bytes, metadata = {}, saveOptions = {}) {
      const { versions, state } = entry(name);
      const promote = (saveOptions.state ?? 'serving') === 'serving';
      if (promote && state.serving !== undefined && state.pinned) throw pinnedConflict(MEMORY_MODEL_REGISTRY_NAME, name, state.serving);
      const saved: Saved = { name, version: (versions.at(-1)?.version ?? 0) + 1, createdAt: now(), metadata: structuredClone(metadata), bytes: bytes.slice() };
      versions.push(saved);
      if (promote) promoteInState(state, numbers(name), name, saved.version, {}, now(), MEMORY_MODEL_REGISTRY_NAME);
      return info(saved, state);
    },
    async load(name, version) {
      const { versions, state } = entry(name);
      const wanted = version ?? state.serving;
      const found = versions.find((v) => v.version === wanted);
      return found ? ({ ...info(found, state), bytes: found.bytes.slice() } satisfies StoredModel) : undefined;
    },
    async list(name) {
      const { versions, state } = entry(name);
      return versions.map((v) => info(v, state));
    },
    async names() {
      return [...models].filter(([, { versions }]) => versions.length > 0).map(([name]) => name).sort();
    },
    async promote(name, version, promoteOptions = {}) {
      promoteInState(entry(name).state, numbers(name), name, version, promoteOptions, now(), MEMORY_MODEL_REGISTRY_NAME);
      return infoOf(name, version);
    },
    async rollback(name) {
      return infoOf(name, rollbackInState(entry(name).state, numbers(name), name, now(), MEMORY_MODEL_REGISTRY_NAME));
    },
    async unpin(name) {
      entry(name).state.pinned = false;
    },
    async prune(name, keep) {
      const doomed = versionsToPrune(entry(name).state, numbers(name), keep, MEMORY_MODEL_REGISTRY_NAME);
      for (const version of doomed) await this.delete(name, version);
      return doomed;
    },
    async delete(name, version) {
      const found = entry(name);
      found.versions = found.versions.filter((v) => v.version !== version);
      forgetInState(found.state, version);
    },
    async replace(name, version, bytes) {
      const { versions, state } = entry(name);
      const found = versions.find((v) => v.version === version);
      if (!found) throw new MyContentError('NOT_FOUND', `no version ${version} of model "${name}"`, { source: MEMORY_MODEL_REGISTRY_NAME, field: 'version', value: version });
      found.bytes = bytes.slice();
      return info(found, state);
    },
  };
}
