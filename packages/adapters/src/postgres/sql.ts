import { MyContentError } from '@mycontent/core';

/** The part of a `pg` client or pool the adapters use. */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: any[]; rowCount: number | null }>;
}

/** A `pg` `Pool` (or anything with the same `query`/`connect` API, such as `pg-pool`). */
export interface PgPoolLike extends PgQueryable {
  connect(): Promise<PgPoolClientLike>;
}

/** A client checked out of a {@link PgPoolLike}. */
export interface PgPoolClientLike extends PgQueryable {
  release(error?: Error | boolean): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
}

/** The part of a PGlite instance (`@electric-sql/pglite`) the adapters use. */
export interface PGliteLike {
  query(text: string, params?: unknown[]): Promise<{ rows: any[]; affectedRows?: number }>;
  transaction<T>(fn: (tx: { query(text: string, params?: unknown[]): Promise<{ rows: any[]; affectedRows?: number }> }) => Promise<T>): Promise<T>;
}

/** Where the adapters send SQL: a `pg` pool (a PostgreSQL server) or a PGlite instance (embedded). */
export interface PostgresConnection {
  /** A `pg` `Pool`. The adapter never ends it: the host owns it. */
  pool?: PgPoolLike;
  /** A PGlite instance (PostgreSQL compiled to WebAssembly, in-process). The host owns it. */
  pglite?: PGliteLike;
  /**
   * Schema (namespace) holding the tables, created by the migrations if missing; several
   * independent deployments or test runs can share one database with different schemas.
   * @default 'mycontent'
   */
  schema?: string;
}

/** One statement runner, inside or outside a transaction. */
export interface SqlRunner {
  query<R = any>(text: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number }>;
}

/** The adapters' view of a database: statements, and transactions that roll back on error. */
export interface SqlDatabase extends SqlRunner {
  readonly kind: 'pg' | 'pglite';
  /** The schema name, quoted for SQL. */
  readonly schema: string;
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Quotes an identifier for SQL (the name itself is checked first: letters, digits, `_`). */
export function quoteSchema(schema: string, source: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new MyContentError('INVALID_CONFIG', `schema must be letters, digits and _ (at most 63, not starting with a digit)`, {
      source,
      field: 'schema',
      value: schema,
    });
  }
  return `"${schema}"`;
}

/** Connection problems, as opposed to a statement failing. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);

/** Wraps a driver error into a `BACKEND` {@link MyContentError} naming the operation. */
export function backendError(source: string, operation: string, error: unknown): MyContentError {
  if (error instanceof MyContentError) return error;
  const e = error as { code?: string; message?: string; errors?: { code?: string }[] } | undefined;
  const code = e?.code ?? e?.errors?.[0]?.code;
  const reason = CONNECTION_CODES.has(code ?? '')
    ? `PostgreSQL is unreachable (${code}); nothing was written`
    : `${e?.message ?? String(error)}${code ? ` (${code})` : ''}; the statement was rolled back`;
  return new MyContentError('BACKEND', `${operation} failed: ${reason}`, { source, cause: error });
}

const RETRYABLE = new Set(['40001', '40P01']); // serialization failure, deadlock detected

/** Adapts a `pg` pool or a PGlite instance to {@link SqlDatabase}. */
export function connectSql(connection: PostgresConnection, source: string): SqlDatabase {
  const schema = quoteSchema(connection.schema ?? 'mycontent', source);
  const { pool, pglite } = connection;
  if ((pool === undefined) === (pglite === undefined)) {
    throw new MyContentError('INVALID_CONFIG', 'pass exactly one of `pool` (a pg Pool) or `pglite` (a PGlite instance)', {
      source,
      field: pool === undefined ? 'pool' : 'pglite',
    });
  }
  if (pool) {
    if (typeof pool.query !== 'function' || typeof pool.connect !== 'function') {
      throw new MyContentError('INVALID_CONFIG', '`pool` must be a pg Pool', { source, field: 'pool' });
    }
    const run = (q: PgQueryable): SqlRunner => ({
      async query(text, params) {
        const result = await q.query(text, params as unknown[]);
        return { rows: result.rows, rowCount: result.rowCount ?? 0 };
      },
    });
    return {
      kind: 'pg',
      schema,
      ...run(pool),
      async transaction(fn) {
        for (let attempt = 1; ; attempt++) {
          const client = await pool.connect();
          let broken: Error | undefined;
          // A checked-out client has no error listener of the pool's: its connection dying mid-
          // transaction (a server killed) would be an uncaught exception. The query fails anyway.
          const lost = (error: Error) => void (broken = error);
          client.on('error', lost);
          try {
            await client.query('BEGIN');
            const value = await fn(run(client));
            await client.query('COMMIT');
            return value;
          } catch (error) {
            try {
              await client.query('ROLLBACK');
            } catch (rollbackError) {
              broken = rollbackError as Error; // the connection is gone: do not reuse it
            }
            if (attempt < 3 && RETRYABLE.has((error as { code?: string }).code ?? '')) continue;
            throw error;
          } finally {
            client.removeListener('error', lost);
            client.release(broken);
          }
        }
      },
    };
  }
  const db = pglite!;
  if (typeof db.query !== 'function' || typeof db.transaction !== 'function') {
    throw new MyContentError('INVALID_CONFIG', '`pglite` must be a PGlite instance', { source, field: 'pglite' });
  }
  const run = (q: { query(text: string, params?: unknown[]): Promise<{ rows: any[]; affectedRows?: number }> }): SqlRunner => ({
    async query(text, params) {
      const result = await q.query(text, params as unknown[]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
  });
  return { kind: 'pglite', schema, ...run(db), transaction: (fn) => db.transaction((tx) => fn(run(tx))) };
}
