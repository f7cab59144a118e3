import { MyContentError, type ModelRegistry, type ModelVersionInfo } from '@mycontent/core';
import { migratedOperations } from './migrations';
import { connectSql, type PostgresConnection } from './sql';

/** Name of the PostgreSQL model registry adapter. */
export const POSTGRES_MODEL_REGISTRY_NAME = 'postgres-model-registry';

/** Options of {@link createPostgresModelRegistry}. */
export interface PostgresModelRegistryOptions extends PostgresConnection {
  /** Apply pending migrations before the first operation. @default true */
  migrate?: boolean;
}

interface ModelRow {
  name: string;
  version: number;
  created_ms: number;
  size: number;
  metadata: Record<string, unknown>;
}

const INFO_COLUMNS = `name, version, (extract(epoch FROM created_at) * 1000)::float8 AS created_ms, length(bytes) AS size, metadata`;

const info = (r: ModelRow): ModelVersionInfo => ({
  name: r.name,
  version: Number(r.version),
  createdAt: r.created_ms,
  size: Number(r.size),
  metadata: r.metadata,
});

/**
 * A model registry in the `models` table (artifact bytes in `bytea`), next to the store's
 * tables: one database holds everything a deployment needs. Versions are numbered per name
 * under a transaction-scoped advisory lock, so concurrent saves never get the same number.
 *
 * @example
 * ```ts
 * const registry = createPostgresModelRegistry({ pool });
 * const recommender = createRecommender({ store, models, registry });
 * await recommender.saveModels({ dataset: 'globo-2017-10' });
 * ```
 */
export function createPostgresModelRegistry(options: PostgresModelRegistryOptions): ModelRegistry {
  const db = connectSql(options, 'postgres');
  const s = db.schema;
  const op = migratedOperations(options, POSTGRES_MODEL_REGISTRY_NAME);
  return {
    name: POSTGRES_MODEL_REGISTRY_NAME,
    save: (name, bytes, metadata = {}) =>
      op('save', () =>
        db.transaction(async (tx) => {
          await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`mycontent-model:${s}:${name}`]);
          const { rows } = await tx.query<ModelRow>(
            `INSERT INTO ${s}.models (name, version, created_at, metadata, bytes)
             SELECT $1, coalesce(max(version), 0) + 1, now(), $2::json, $3 FROM ${s}.models WHERE name = $1
             RETURNING ${INFO_COLUMNS}`,
            [name, JSON.stringify(metadata), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)],
          );
          return info(rows[0]!);
        }),
      ),
    load: (name, version) =>
      op('load', async () => {
        const { rows } = await db.query<ModelRow & { bytes: Uint8Array }>(
          version === undefined
            ? `SELECT ${INFO_COLUMNS}, bytes FROM ${s}.models WHERE name = $1 ORDER BY version DESC LIMIT 1`
            : `SELECT ${INFO_COLUMNS}, bytes FROM ${s}.models WHERE name = $1 AND version = $2`,
          version === undefined ? [name] : [name, version],
        );
        const r = rows[0];
        return r ? { ...info(r), bytes: new Uint8Array(r.bytes) } : undefined;
      }),
    list: (name) =>
      op('list', async () => {
        const { rows } = await db.query<ModelRow>(`SELECT ${INFO_COLUMNS} FROM ${s}.models WHERE name = $1 ORDER BY version`, [name]);
        return rows.map(info);
      }),
    delete: (name, version) =>
      op('delete', async () => {
        await db.query(`DELETE FROM ${s}.models WHERE name = $1 AND version = $2`, [name, version]);
      }),
    replace: (name, version, bytes) =>
      op('replace', async () => {
        const { rows } = await db.query<ModelRow>(
          `UPDATE ${s}.models SET bytes = $3 WHERE name = $1 AND version = $2 RETURNING ${INFO_COLUMNS}`,
          [name, version, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)],
        );
        if (!rows[0]) throw new MyContentError('NOT_FOUND', `no version ${version} of model "${name}"`, { source: 'postgres', field: 'version', value: version });
        return info(rows[0]);
      }),
  };
}
