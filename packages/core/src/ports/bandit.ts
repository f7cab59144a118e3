/** An increment to one bandit arm's statistics (every field is added). */
export interface ArmDelta {
  arm: string;
  /**
   * Time bucket the increment belongs to (e.g. the hour), for bandits whose old rewards fade:
   * they weigh each bucket by its age. @default 0
   */
  bucket?: number;
  /** Times the arm was played (shown). */
  pulls?: number;
  /** Sum of the rewards, each in [0, 1]. */
  reward?: number;
  /** Added element-wise (contextual bandits: the flattened Σ x xᵀ and Σ r x). */
  vector?: readonly number[];
}

/** One arm's statistics in one time bucket. */
export interface ArmState {
  arm: string;
  bucket: number;
  pulls: number;
  reward: number;
  vector?: number[];
}

/** Which arm rows to read or remove. */
export interface ArmSelection {
  /** Only these arms. @default every arm */
  arms?: readonly string[];
  /** Reading: only buckets at or after this one. */
  sinceBucket?: number;
  /** Removing: only buckets strictly before this one (pruning what has faded away). */
  beforeBucket?: number;
}

/**
 * Shared state of multi-armed bandits: per bandit, per arm and time bucket, counters that
 * several service instances increment atomically (never read-modify-write), so they learn
 * together. Every {@link RecommendationStore} implements it.
 *
 * Implementations: every store. Every implementation passes the bandit tests of
 * `describeStoreConformance` (`@mycontent/adapters/testing`).
 */
export interface BanditStateStore {
  /** Adds the deltas (atomic increments; deltas of one arm and bucket may repeat in a call). */
  incrementArms(bandit: string, deltas: readonly ArmDelta[]): Promise<void>;
  /** The rows of a bandit, in no particular order. */
  getArms(bandit: string, selection?: ArmSelection): Promise<ArmState[]>;
  /** Removes rows (an arm whose article was deleted, or faded buckets). */
  deleteArms(bandit: string, selection: ArmSelection): Promise<void>;
}

/** Merges the deltas of one arm and bucket (stores write one row per arm and bucket per call). */
export function mergeArmDeltas(deltas: readonly ArmDelta[]): ArmState[] {
  const merged = new Map<string, ArmState>();
  for (const d of deltas) {
    const bucket = d.bucket ?? 0;
    const key = `${bucket}\u0000${d.arm}`;
    let row = merged.get(key);
    if (!row) merged.set(key, (row = { arm: d.arm, bucket, pulls: 0, reward: 0 }));
    row.pulls += d.pulls ?? 0;
    row.reward += d.reward ?? 0;
    if (d.vector) row.vector = addVectors(row.vector, d.vector);
  }
  return [...merged.values()];
}

/** Element-wise sum; the shorter vector counts as zeros past its end. */
export function addVectors(a: readonly number[] | undefined, b: readonly number[]): number[] {
  if (!a) return [...b];
  const out = new Array<number>(Math.max(a.length, b.length));
  for (let i = 0; i < out.length; i++) out[i] = (a[i] ?? 0) + (b[i] ?? 0);
  return out;
}
