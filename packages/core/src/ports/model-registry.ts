/**
 * Where a model version stands: `candidate` (saved, never served), `serving` (the version
 * `load(name)` gives and serving instances run; at most one per name), `retired` (served before).
 */
export type ModelVersionState = 'candidate' | 'serving' | 'retired';

/** A stored model version. */
export interface ModelVersionInfo {
  name: string;
  /** 1, 2, 3... assigned by the registry at save time. */
  version: number;
  /** Save time (epoch ms). */
  createdAt: number;
  /** Size of the artifact in bytes. */
  size: number;
  /** Free JSON metadata given at save time (metrics, parameters, data window, lineage). */
  metadata: Record<string, unknown>;
  state: ModelVersionState;
  /** When it last became the serving version (epoch ms); absent for a candidate. */
  promotedAt?: number;
  /** The version that was serving when this one was promoted: where `rollback` goes back to. */
  previous?: number;
  /** A pinned serving version stays until unpinned: `promote` refuses another without `force`. */
  pinned: boolean;
}

/** A stored model version with its bytes. */
export interface StoredModel extends ModelVersionInfo {
  bytes: Uint8Array;
}

/** Options of {@link ModelRegistry.save}. */
export interface ModelSaveOptions {
  /**
   * `serving` promotes the new version at once (the previous serving one retires); `candidate`
   * keeps it aside until `promote`. @default 'serving'
   */
  state?: 'candidate' | 'serving';
}

/** Options of {@link ModelRegistry.promote}. */
export interface ModelPromoteOptions {
  /** Pin the promoted version: later promotions are refused until `unpin` (or `force`). */
  pin?: boolean;
  /** Promote even over a pinned serving version. */
  force?: boolean;
}

/**
 * The model registry port: versioned storage of trained model artifacts (the bytes of
 * `encodeModelArtifact`), each version a candidate, the serving one, or retired. Promotion,
 * rollback and pinning change which version serves as one atomic step: a reader never sees two
 * serving versions of a name, or none while one is being replaced.
 *
 * Implementations: `createMemoryModelRegistry()` (`@mycontent/adapters/memory`),
 * `createFileModelRegistry({ directory })` (`@mycontent/adapters/fs`),
 * `createPostgresModelRegistry({ pool })` (`@mycontent/adapters/postgres`). Every implementation
 * passes `describeModelRegistryConformance` (`@mycontent/adapters/testing`).
 */
export interface ModelRegistry {
  readonly name: string;
  /**
   * Stores a new version of `name` and returns its description. Saved as `serving` (the default)
   * over a pinned version, it throws `CONFLICT` and stores nothing.
   */
  save(name: string, bytes: Uint8Array, metadata?: Record<string, unknown>, options?: ModelSaveOptions): Promise<ModelVersionInfo>;
  /** A version; without `version`, the serving one. `undefined` when there is none. */
  load(name: string, version?: number): Promise<StoredModel | undefined>;
  /** Every version of `name`, oldest first. */
  list(name: string): Promise<ModelVersionInfo[]>;
  /** The names with at least one version, sorted. */
  names(): Promise<string[]>;
  /**
   * Makes `version` the serving version; the one serving before retires and becomes the new one's
   * `previous`. `NOT_FOUND` for an unknown version; `CONFLICT` when the serving version is pinned
   * (unless `force`). Promoting the serving version again only applies `pin`.
   */
  promote(name: string, version: number, options?: ModelPromoteOptions): Promise<ModelVersionInfo>;
  /**
   * Puts the serving version's `previous` back into service (the current one retires), whatever
   * the pin; returns it. `NOT_FOUND` when nothing serves or the previous version is gone.
   */
  rollback(name: string): Promise<ModelVersionInfo>;
  /** Unpins the serving version (a no-op when nothing is pinned). */
  unpin(name: string): Promise<void>;
  /**
   * Retention: deletes the oldest versions beyond the newest `keep`, never the serving version nor
   * the one a rollback would restore. Returns the deleted version numbers.
   */
  prune(name: string, keep: number): Promise<number[]>;
  /** Removes one version (the serving one too: then nothing serves); unknown versions are ignored. */
  delete(name: string, version: number): Promise<void>;
  /**
   * Overwrites the bytes of a stored version in place — same version number, creation time,
   * metadata and state; `size` follows the new bytes. How an erasure rewrites saved models without
   * the user. Throws `NOT_FOUND` for an unknown version.
   */
  replace(name: string, version: number, bytes: Uint8Array): Promise<ModelVersionInfo>;
}
