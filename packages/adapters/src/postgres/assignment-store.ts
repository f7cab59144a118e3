import type { AssignmentStore } from '@mycontent/core';
import { migratedOperations } from './migrations';
import { connectSql, type PostgresConnection } from './sql';

/** Name of the PostgreSQL assignment store. */
export const POSTGRES_ASSIGNMENT_STORE_NAME = 'postgres-assignment-store';

/** Options of {@link createPostgresAssignmentStore}. */
export interface PostgresAssignmentStoreOptions extends PostgresConnection {
  /** Apply pending migrations before the first operation. @default true */
  migrate?: boolean;
}

/**
 * Sticky experiment assignments in the `experiment_assignments` table, next to the store's
 * tables. The first variant written for a (user, experiment) stays (`ON CONFLICT DO NOTHING`), so
 * several service instances assigning the same user at once agree.
 *
 * @example
 * ```ts
 * const experiments = createExperimentAssigner({ experiments, sticky: createPostgresAssignmentStore({ pool }) });
 * ```
 */
export function createPostgresAssignmentStore(options: PostgresAssignmentStoreOptions): AssignmentStore {
  const db = connectSql(options, 'postgres');
  const s = db.schema;
  const op = migratedOperations(options, POSTGRES_ASSIGNMENT_STORE_NAME);
  return {
    name: POSTGRES_ASSIGNMENT_STORE_NAME,
    get: (userId) =>
      op('get', async () => {
        const { rows } = await db.query(`SELECT experiment, variant FROM ${s}.experiment_assignments WHERE user_id = $1`, [userId]);
        return Object.fromEntries(rows.map((r: { experiment: string; variant: string }) => [r.experiment, r.variant]));
      }),
    remember: (userId, variants) =>
      op('remember', async () => {
        const experiments = Object.keys(variants);
        if (experiments.length === 0) return {};
        await db.query(
          `INSERT INTO ${s}.experiment_assignments (user_id, experiment, variant)
           SELECT $1, e, v FROM unnest($2::text[], $3::text[]) AS t(e, v)
           ON CONFLICT (user_id, experiment) DO NOTHING`,
          [userId, experiments, experiments.map((e) => variants[e]!)],
        );
        const { rows } = await db.query(`SELECT experiment, variant FROM ${s}.experiment_assignments WHERE user_id = $1 AND experiment = ANY($2::text[])`, [
          userId,
          experiments,
        ]);
        return Object.fromEntries(rows.map((r: { experiment: string; variant: string }) => [r.experiment, r.variant]));
      }),
    deleteUser: (userId) => op('deleteUser', async () => (await db.query(`DELETE FROM ${s}.experiment_assignments WHERE user_id = $1`, [userId])).rowCount),
    deleteExperiment: (experiment) =>
      op('deleteExperiment', async () => (await db.query(`DELETE FROM ${s}.experiment_assignments WHERE experiment = $1`, [experiment])).rowCount),
  };
}
