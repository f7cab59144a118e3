import type { ListExposure } from '../experiments/exposures';

/** Which exposures a scan reads. */
export interface ExposureScanOptions {
  /** Only lists served under this experiment. @default every list */
  experiment?: string;
  /** Served at or after this time (epoch ms). */
  from?: number;
  /** Served before this time (epoch ms). */
  to?: number;
  /** Exposures per page. @default 1000 */
  pageSize?: number;
}

/**
 * Where served lists are kept (see `ListExposure`): the record that experiment results join
 * feedback to. Written by `createExposureRecorder()` from the exposure topic.
 *
 * Implementations: `createMemoryExposureStore()` (`@mycontent/adapters/memory`),
 * `createPostgresExposureStore()` (`@mycontent/adapters/postgres`). Every implementation passes
 * `describeExposureStoreConformance` (`@mycontent/adapters/testing`).
 */
export interface ExposureStore {
  /** Adapter name, for errors and logs. */
  readonly name: string;
  /**
   * Stores exposures in one write. An exposure whose id is already stored is kept as it was (a
   * redelivered message changes nothing). Resolves to how many were new.
   */
  append(exposures: readonly ListExposure[]): Promise<number>;
  /** The exposure with this id, or `undefined`. */
  get(id: string): Promise<ListExposure | undefined>;
  /** Exposures in pages, oldest first (ties by id). */
  scan(options?: ExposureScanOptions): AsyncIterable<ListExposure[]>;
  /** Every exposure of a user, oldest first (a data export). */
  ofUser(userId: string): Promise<ListExposure[]>;
  /** Removes a user's exposures (erasure); resolves to how many. */
  deleteUser(userId: string): Promise<number>;
}
