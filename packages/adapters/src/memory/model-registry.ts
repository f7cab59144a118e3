import { MyContentError, type ModelRegistry, type ModelVersionInfo, type StoredModel } from '@mycontent/core';

/** Name of the memory model registry adapter. */
export const MEMORY_MODEL_REGISTRY_NAME = 'memory-model-registry';

/**
 * An in-process model registry: versions are numbered 1, 2, 3... per model name; bytes are copied
 * in and out.
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
  const models = new Map<string, StoredModel[]>();
  const info = ({ bytes: _bytes, ...rest }: StoredModel): ModelVersionInfo => structuredClone(rest);
  return {
    name: MEMORY_MODEL_REGISTRY_NAME,
    async save(name, bytes, metadata = {}) {
      const versions = models.get(name) ?? [];
      const version = (versions.at(-1)?.version ?? 0) + 1;
      const stored: StoredModel = { name, version, createdAt: now(), size: bytes.length, metadata: structuredClone(metadata), bytes: bytes.slice() };
      versions.push(stored);
      models.set(name, versions);
      return info(stored);
    },
    async load(name, version) {
      const versions = models.get(name) ?? [];
      const found = version === undefined ? versions.at(-1) : versions.find((v) => v.version === version);
      return found ? { ...info(found), bytes: found.bytes.slice() } : undefined;
    },
    async list(name) {
      return (models.get(name) ?? []).map(info);
    },
    async delete(name, version) {
      const versions = models.get(name);
      if (versions) models.set(name, versions.filter((v) => v.version !== version));
    },
    async replace(name, version, bytes) {
      const found = models.get(name)?.find((v) => v.version === version);
      if (!found) throw new MyContentError('NOT_FOUND', `no version ${version} of model "${name}"`, { source: MEMORY_MODEL_REGISTRY_NAME, field: 'version', value: version });
      found.bytes = bytes.slice();
      found.size = bytes.length;
      return info(found);
    },
  };
}
