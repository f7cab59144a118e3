/** A stored model version. */
export interface ModelVersionInfo {
  name: string;
  /** 1, 2, 3... assigned by the registry at save time. */
  version: number;
  /** Save time (epoch ms). */
  createdAt: number;
  /** Size of the artifact in bytes. */
  size: number;
  /** Free JSON metadata given at save time (metrics, parameters, dataset). */
  metadata: Record<string, unknown>;
}

/** A stored model version with its bytes. */
export interface StoredModel extends ModelVersionInfo {
  bytes: Uint8Array;
}

/**
 * The model registry port: versioned storage of trained model artifacts (the bytes of
 * `encodeModelArtifact`).
 *
 * Implementations: `createMemoryModelRegistry()` (`@mycontent/adapters/memory`),
 * `createFileModelRegistry({ directory })` (`@mycontent/adapters/fs`). Every implementation passes
 * `describeModelRegistryConformance` (`@mycontent/adapters/testing`).
 */
export interface ModelRegistry {
  readonly name: string;
  /** Stores a new version of `name` and returns its description. */
  save(name: string, bytes: Uint8Array, metadata?: Record<string, unknown>): Promise<ModelVersionInfo>;
  /** A version (the latest when `version` is omitted), or `undefined`. */
  load(name: string, version?: number): Promise<StoredModel | undefined>;
  /** Every version of `name`, oldest first. */
  list(name: string): Promise<ModelVersionInfo[]>;
  /** Removes one version; unknown versions are ignored. */
  delete(name: string, version: number): Promise<void>;
  /**
   * Overwrites the bytes of a stored version in place — same version number, creation time and
   * metadata; `size` follows the new bytes. How an erasure rewrites saved models without the user.
   * Throws `NOT_FOUND` for an unknown version.
   */
  replace(name: string, version: number, bytes: Uint8Array): Promise<ModelVersionInfo>;
}
