import { MyContentError, type ModelRegistry, type ModelVersionInfo, type ModelVersionState } from '@mycontent/core';
import { pinnedConflict } from '@mycontent/core/internal';
import { migratedOperations } from './migrations';
import { connectSql, type PostgresConnection, type SqlRunner } from './sql';

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
  state: ModelVersionState;
  promoted_ms: number | null;
  previous: number | null;
  pinned: boolean;
}

const INFO_COLUMNS = `name, version, (extract(epoch FROM created_at) * 1000)::float8 AS created_ms, length(bytes) AS size, metadata,
  state, (extract(epoch FROM promoted_at) * 1000)::float8 AS promoted_ms, previous, pinned`;

const info = (r: ModelRow): ModelVersionInfo => ({
  name: r.name,
  version: Number(r.version),
  createdAt: r.created_ms,
  size: Number(r.size),
  metadata: r.metadata,
  state: r.state,
  ...(r.promoted_ms === null ? {} : { promotedAt: r.promoted_ms }),
  ...(r.previous === null ? {} : { previous: Number(r.previous) }),
  pinned: r.pinned,
});

const notFound = (name: string, version: number) =>
  new MyContentError('NOT_FOUND', `no version ${version} of model "${name}"`, { source: POSTGRES_MODEL_REGISTRY_NAME, field: 'version', value: version });

/**
 * A model registry in the `models` table (artifact bytes in `bytea`), next to the store's
 * tables: one database holds everything a deployment needs. Every change of a name's versions
 * runs in one transaction under a transaction-scoped advisory lock on the name, so concurrent
 * saves never get the same number and a promotion or rollback is atomic; a partial unique index
 * guarantees at most one serving version per name.
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

  /** Runs `change` in a transaction holding the name's lock. */
  const locked = <T>(operation: string, name: string, change: (tx: SqlRunner) => Promise<T>) =>
    op(operation, () =>
      db.transaction(async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`mycontent-model:${s}:${name}`]);
        return change(tx);
      }),
    );
  const serving = async (tx: SqlRunner, name: string) => (await tx.query<ModelRow>(`SELECT ${INFO_COLUMNS} FROM ${s}.models WHERE name = $1 AND state = 'serving'`, [name])).rows[0];
  /** Makes `version` serve: the serving one retires, the new one records it as its previous. */
  const makeServing = async (tx: SqlRunner, name: string, version: number, current: ModelRow | undefined, pinned: boolean, previous: number | null | 'keep') => {
    if (current) await tx.query(`UPDATE ${s}.models SET state = 'retired', pinned = false WHERE name = $1 AND version = $2`, [name, current.version]);
    const { rows } = await tx.query<ModelRow>(
      `UPDATE ${s}.models SET state = 'serving', promoted_at = now(), pinned = $3${previous === 'keep' ? '' : ', previous = $4'}
       WHERE name = $1 AND version = $2 RETURNING ${INFO_COLUMNS}`,
      previous === 'keep' ? [name, version, pinned] : [name, version, pinned, previous],
    );
    return info(rows[0]!);
  };

  return {
    name: POSTGRES_MODEL_REGISTRY_NAME,
    save: (name, bytes, metadata = {}, saveOptions = {}) =>
      locked('save', name, async (tx) => {
        const promote = (saveOptions.state ?? 'serving') === 'serving';
        const current = promote ? await serving(tx, name) : undefined;
        if (current?.pinned) throw pinnedConflict(POSTGRES_MODEL_REGISTRY_NAME, name, Number(current.version));
        const { rows } = await tx.query<ModelRow>(
          `INSERT INTO ${s}.models (name, version, created_at, metadata, bytes)
           SELECT $1, coalesce(max(version), 0) + 1, now(), $2::json, $3 FROM ${s}.models WHERE name = $1
           RETURNING ${INFO_COLUMNS}`,
          [name, JSON.stringify(metadata), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)],
        );
        const saved = info(rows[0]!);
        return promote ? makeServing(tx, name, saved.version, current, false, current ? Number(current.version) : null) : saved;
      }),
    load: (name, version) =>
      op('load', async () => {
        const { rows } = await db.query<ModelRow & { bytes: Uint8Array }>(
          version === undefined
            ? `SELECT ${INFO_COLUMNS}, bytes FROM ${s}.models WHERE name = $1 AND state = 'serving'`
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
    names: () =>
      op('names', async () => {
        const { rows } = await db.query<{ name: string }>(`SELECT name FROM ${s}.models GROUP BY name ORDER BY name COLLATE "C"`);
        return rows.map((r) => r.name);
      }),
    promote: (name, version, promoteOptions = {}) =>
      locked('promote', name, async (tx) => {
        const { rows } = await tx.query<ModelRow>(`SELECT ${INFO_COLUMNS} FROM ${s}.models WHERE name = $1 AND version = $2`, [name, version]);
        if (!rows[0]) throw notFound(name, version);
        const current = await serving(tx, name);
        if (current && Number(current.version) === version) {
          if (promoteOptions.pin === undefined) return info(current);
          const pinned = await tx.query<ModelRow>(`UPDATE ${s}.models SET pinned = $3 WHERE name = $1 AND version = $2 RETURNING ${INFO_COLUMNS}`, [name, version, promoteOptions.pin]);
          return info(pinned.rows[0]!);
        }
        if (current?.pinned && !promoteOptions.force) throw pinnedConflict(POSTGRES_MODEL_REGISTRY_NAME, name, Number(current.version));
        return makeServing(tx, name, version, current, promoteOptions.pin ?? false, current ? Number(current.version) : null);
      }),
    rollback: (name) =>
      locked('rollback', name, async (tx) => {
        const current = await serving(tx, name);
        if (!current) throw new MyContentError('NOT_FOUND', `no version of model "${name}" is serving: nothing to roll back`, { source: POSTGRES_MODEL_REGISTRY_NAME, field: 'name', value: name });
        const previous = current.previous === null ? undefined : Number(current.previous);
        const exists = previous !== undefined && (await tx.query(`SELECT 1 FROM ${s}.models WHERE name = $1 AND version = $2`, [name, previous])).rows.length > 0;
        if (!exists) {
          throw new MyContentError('NOT_FOUND', `version ${current.version} of model "${name}" has no previous version to roll back to`, {
            source: POSTGRES_MODEL_REGISTRY_NAME,
            field: 'version',
            value: Number(current.version),
          });
        }
        return makeServing(tx, name, previous, current, false, 'keep');
      }),
    unpin: (name) =>
      op('unpin', async () => {
        await db.query(`UPDATE ${s}.models SET pinned = false WHERE name = $1 AND pinned`, [name]);
      }),
    prune: (name, keep) =>
      locked('prune', name, async (tx) => {
        if (!Number.isInteger(keep) || keep < 0) throw new MyContentError('INVALID_INPUT', `keep must be a whole number ≥ 0, got ${keep}`, { source: POSTGRES_MODEL_REGISTRY_NAME, field: 'keep', value: keep });
        const { rows } = await tx.query<{ version: number }>(
          `DELETE FROM ${s}.models m
           WHERE m.name = $1
             AND m.version NOT IN (SELECT version FROM ${s}.models WHERE name = $1 ORDER BY version DESC LIMIT $2)
             AND m.state <> 'serving'
             AND m.version IS DISTINCT FROM (SELECT previous FROM ${s}.models WHERE name = $1 AND state = 'serving')
           RETURNING m.version`,
          [name, keep],
        );
        return rows.map((r) => Number(r.version)).sort((a, b) => a - b);
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
        if (!rows[0]) throw notFound(name, version);
        return info(rows[0]);
      }),
  };
}
