/**
 * Where sticky experiment assignments live: the variant each user was first given in each
 * experiment, so that changing weights or coverage mid-experiment does not move users already in.
 */
export interface AssignmentStore {
  /** Adapter name, for errors and logs. */
  readonly name: string;
  /** The variants `userId` was given, by experiment key (empty when none). */
  get(userId: string): Promise<Record<string, string>>;
  /**
   * Records variants for `userId`. The first variant recorded for an experiment stays: an
   * experiment already recorded keeps its variant (two processes racing agree). Resolves to the
   * variants recorded for the experiments given, after the call.
   */
  remember(userId: string, variants: Readonly<Record<string, string>>): Promise<Record<string, string>>;
  /** Forgets a user's assignments (erasure); resolves to how many were removed. */
  deleteUser(userId: string): Promise<number>;
  /** Forgets every assignment of an experiment (it ended); resolves to how many were removed. */
  deleteExperiment(experiment: string): Promise<number>;
}
