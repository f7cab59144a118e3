import type { ExposureScanOptions, ExposureStore, ListExposure } from '@mycontent/core';
import { migratedOperations } from './migrations';
import { connectSql, type PostgresConnection } from './sql';

/** Name of the PostgreSQL exposure store. */
export const POSTGRES_EXPOSURE_STORE_NAME = 'postgres-exposure-store';

/** Options of {@link createPostgresExposureStore}. */
export interface PostgresExposureStoreOptions extends PostgresConnection {
  /** Apply pending migrations before the first operation. @default true */
  migrate?: boolean;
}

/**
 * Served lists in the `exposures` table, next to the store's tables: one row per list, the
 * exposure as JSON, indexed by time, by user and by experiment. Appending is idempotent on the
 * list id (`ON CONFLICT DO NOTHING`); scans page by (served time, id), so a long scan holds no
 * cursor open.
 *
 * @example
 * ```ts
 * const exposures = createPostgresExposureStore({ pool });
 * await createExposureRecorder({ bus, topic: 'exposures', store: exposures }).start();
 * ```
 */
export function createPostgresExposureStore(options: PostgresExposureStoreOptions): ExposureStore {
  const db = connectSql(options, 'postgres');
  const s = db.schema;
  const op = migratedOperations(options, POSTGRES_EXPOSURE_STORE_NAME);
  const rowsOf = (rows: { exposure: ListExposure }[]) => rows.map((r) => r.exposure);

  return {
    name: POSTGRES_EXPOSURE_STORE_NAME,
    append: (exposures) =>
      op('append', async () => {
        if (exposures.length === 0) return 0;
        const result = await db.query(
          `INSERT INTO ${s}.exposures (exposure_id, user_id, served_at, experiments, exposure)
           SELECT x->>'id', x->>'userId', (x->>'servedAt')::float8,
                  ARRAY(SELECT e->>'experiment' FROM json_array_elements(x->'experiments') e), x
           FROM json_array_elements($1::json) x
           ON CONFLICT (exposure_id) DO NOTHING`,
          [JSON.stringify(exposures)],
        );
        return result.rowCount ?? 0;
      }),
    get: (id) =>
      op('get', async () => {
        const { rows } = await db.query<{ exposure: ListExposure }>(`SELECT exposure FROM ${s}.exposures WHERE exposure_id = $1`, [id]);
        return rows[0]?.exposure;
      }),
    async *scan(scan: ExposureScanOptions = {}) {
      const pageSize = scan.pageSize ?? 1000;
      let after: [number, string] | undefined;
      for (;;) {
        const page = await op('scan', async () => {
          const { rows } = await db.query<{ exposure: ListExposure }>(
            `SELECT exposure FROM ${s}.exposures
             WHERE ($1::text IS NULL OR experiments @> ARRAY[$1::text])
               AND served_at >= $2 AND served_at < $3
               AND ($4::float8 IS NULL OR (served_at, exposure_id) > ($4, $5::text))
             ORDER BY served_at, exposure_id
             LIMIT $6`,
            [scan.experiment ?? null, scan.from ?? '-Infinity', scan.to ?? 'Infinity', after?.[0] ?? null, after?.[1] ?? null, pageSize],
          );
          return rowsOf(rows);
        });
        if (page.length > 0) yield page;
        if (page.length < pageSize) return;
        const last = page[page.length - 1]!;
        after = [last.servedAt, last.id];
      }
    },
    ofUser: (userId) =>
      op('ofUser', async () => {
        const { rows } = await db.query<{ exposure: ListExposure }>(`SELECT exposure FROM ${s}.exposures WHERE user_id = $1 ORDER BY served_at, exposure_id`, [userId]);
        return rowsOf(rows);
      }),
    deleteUser: (userId) => op('deleteUser', async () => (await db.query(`DELETE FROM ${s}.exposures WHERE user_id = $1`, [userId])).rowCount ?? 0),
  };
}
