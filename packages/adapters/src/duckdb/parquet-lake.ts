import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import {
  MyContentError,
  interactionSchema,
  parseBatch,
  type EventBus,
  type Interaction,
  type InteractionInput,
  type Subscription,
} from '@mycontent/core';
import { InteractionTableBuilder, type InteractionTable } from '@mycontent/core/data';

/** Options of {@link createParquetLake}. */
export interface ParquetLakeOptions {
  /** Where the partitions live (created when missing): `year=YYYY/month=M/day=D/hour=H/part-<uuid>.parquet`. */
  directory: string;
  /** A DuckDB instance of the host's; by default an in-memory one of the lake's own. */
  instance?: DuckDBInstance;
}

/** An interaction log in Parquet files partitioned by hour (UTC), read and written through DuckDB. */
export interface InteractionLake {
  /** Writes interactions (validated) into their hour partitions, one new file per partition touched. */
  append(interactions: readonly InteractionInput[]): Promise<{ written: number; partitions: string[] }>;
  /**
   * The interactions of `[from, to)` as a table, oldest first, read only from the hour partitions
   * that overlap the window; an event written twice (same `eventId`) is read once.
   */
  read(window: { from: number; to: number }): Promise<InteractionTable>;
  /** The hour partitions present, oldest first, as `year=…/month=…/day=…/hour=…`. */
  partitions(): Promise<string[]>;
  /** Retention: deletes every hour partition that ends at or before `time` (whole directories); returns how many. */
  dropBefore(time: number): Promise<number>;
  /** Closes the lake's own DuckDB connection (never the host's instance). */
  close(): Promise<void>;
}

const HOUR = 3_600_000;
const SOURCE = 'parquet-lake';

/**
 * The data lake of raw interactions: Parquet files partitioned `year=/month=/day=/hour=` (UTC),
 * written and scanned with DuckDB (`@duckdb/node-api`, optional peer). Training reads a window from
 * it ({@link InteractionLake.read}) instead of from the store; {@link createLakeExporter} fills it
 * continuously from the event stream; retention drops whole hours.
 *
 * @example
 * ```ts
 * const lake = await createParquetLake({ directory: '/data/lake/interactions' });
 * await createLakeExporter({ bus, topic: 'interactions', lake });
 * const table = await lake.read({ from: Date.now() - 14 * DAY, to: Date.now() }); // for a training pipeline's data()
 * ```
 */
export async function createParquetLake(options: ParquetLakeOptions): Promise<InteractionLake> {
  const { directory } = options;
  if (typeof directory !== 'string' || directory.length === 0 || /'/.test(directory)) {
    throw new MyContentError('INVALID_CONFIG', `directory must be a path without quotes, got ${JSON.stringify(directory)}`, { source: SOURCE, field: 'directory', value: directory });
  }
  let duckdb: typeof import('@duckdb/node-api');
  try {
    duckdb = await import('@duckdb/node-api');
  } catch (error) {
    throw new MyContentError('UNSUPPORTED', 'the Parquet lake needs @duckdb/node-api: npm install @duckdb/node-api', { source: SOURCE, cause: error });
  }
  const instance = options.instance ?? (await duckdb.DuckDBInstance.create(':memory:'));
  const connection: DuckDBConnection = await instance.connect();
  await connection.run(`SET TimeZone = 'UTC'`);
  // One append at a time on the connection (its staging table is shared).
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  const partitionOf = (t: number) => {
    const d = new Date(t);
    return `year=${d.getUTCFullYear()}/month=${d.getUTCMonth() + 1}/day=${d.getUTCDate()}/hour=${d.getUTCHours()}`;
  };

  async function partitions(): Promise<string[]> {
    const out: { path: string; start: number }[] = [];
    const numbered = async (path: string, key: string) =>
      (await readdir(path, { withFileTypes: true }).catch(() => []))
        .filter((e) => e.isDirectory() && e.name.startsWith(`${key}=`))
        .map((e) => ({ name: e.name, value: Number(e.name.slice(key.length + 1)) }))
        .filter((e) => Number.isInteger(e.value));
    for (const y of await numbered(directory, 'year')) {
      for (const m of await numbered(join(directory, y.name), 'month')) {
        for (const d of await numbered(join(directory, y.name, m.name), 'day')) {
          for (const h of await numbered(join(directory, y.name, m.name, d.name), 'hour')) {
            out.push({ path: `${y.name}/${m.name}/${d.name}/${h.name}`, start: Date.UTC(y.value, m.value - 1, d.value, h.value) });
          }
        }
      }
    }
    return out.sort((a, b) => a.start - b.start).map((p) => p.path);
  }
  const startOf = (partition: string) => {
    const [y, m, d, h] = partition.split('/').map((part) => Number(part.slice(part.indexOf('=') + 1)));
    return Date.UTC(y!, m! - 1, d!, h!);
  };

  return {
    append: (interactions) =>
      serial(async () => {
        const rows: Interaction[] = parseBatch(interactionSchema, interactions, 'interaction', SOURCE);
        if (rows.length === 0) return { written: 0, partitions: [] };
        await connection.run(
          `CREATE OR REPLACE TEMP TABLE staged (event_id VARCHAR, user_id VARCHAR, item_id VARCHAR, type VARCHAR, ts BIGINT, session_id VARCHAR, rating DOUBLE, duration DOUBLE)`,
        );
        const appender = await connection.createAppender('staged');
        for (const x of rows) {
          if (x.eventId === undefined) appender.appendNull();
          else appender.appendVarchar(x.eventId);
          appender.appendVarchar(x.userId);
          appender.appendVarchar(x.itemId);
          appender.appendVarchar(x.type);
          appender.appendBigInt(BigInt(Math.round(x.timestamp)));
          if (x.sessionId === undefined) appender.appendNull();
          else appender.appendVarchar(x.sessionId);
          if (x.rating === undefined) appender.appendNull();
          else appender.appendDouble(x.rating);
          if (x.duration === undefined) appender.appendNull();
          else appender.appendDouble(x.duration);
          appender.endRow();
        }
        appender.flushSync();
        appender.closeSync();
        const at = `make_timestamp(ts * 1000)`;
        await connection.run(
          `COPY (SELECT *, year(${at}) AS year, month(${at}) AS month, day(${at}) AS day, hour(${at}) AS hour FROM staged)
           TO '${directory}' (FORMAT parquet, PARTITION_BY (year, month, day, hour), APPEND, FILENAME_PATTERN 'part-{uuid}')`,
        );
        return { written: rows.length, partitions: [...new Set(rows.map((x) => partitionOf(x.timestamp)))].sort((a, b) => startOf(a) - startOf(b)) };
      }),

    async read({ from, to }) {
      if (!(Number.isFinite(from) && Number.isFinite(to) && from <= to)) {
        throw new MyContentError('INVALID_INPUT', `the window must be two times with from <= to, got ${from} – ${to}`, { source: SOURCE, field: 'window', value: { from, to } });
      }
      // Only the hours that overlap the window are read.
      const files = (await partitions()).filter((p) => startOf(p) < to && startOf(p) + HOUR > from).map((p) => `'${join(directory, p)}/*.parquet'`);
      const builder = new InteractionTableBuilder();
      if (files.length === 0) return builder.build();
      const result = await serial(() =>
        connection.runAndReadAll(
          `SELECT user_id, item_id, type, ts, session_id, rating, duration FROM read_parquet([${files.join(', ')}], hive_partitioning = true, union_by_name = true)
           WHERE ts >= ${Math.floor(from)} AND ts < ${Math.ceil(to)}
           QUALIFY event_id IS NULL OR row_number() OVER (PARTITION BY event_id ORDER BY ts) = 1
           ORDER BY ts`,
        ),
      );
      const columns = result.getColumnsJS() as unknown[][];
      const [user, item, type, ts, session, rating, duration] = columns as [string[], string[], Interaction['type'][], bigint[], (string | null)[], (number | null)[], (number | null)[]];
      for (let i = 0; i < result.currentRowCount; i++) {
        builder.add({
          userId: user[i]!,
          itemId: item[i]!,
          type: type[i]!,
          timestamp: Number(ts[i]!),
          ...(session[i] == null ? {} : { sessionId: session[i]! }),
          ...(rating[i] == null ? {} : { rating: rating[i]! }),
          ...(duration[i] == null ? {} : { duration: duration[i]! }),
        });
      }
      return builder.build();
    },

    partitions,

    async dropBefore(time) {
      let dropped = 0;
      for (const p of await partitions()) {
        if (startOf(p) + HOUR > time) break;
        await rm(join(directory, p), { recursive: true, force: true });
        dropped++;
      }
      await pruneEmpty(directory, 3); // days, months and years left empty go too
      return dropped;
    },

    async close() {
      await queue;
      connection.closeSync();
    },
  };
}

/** Removes the empty directories under `path`, `depth` levels down. */
async function pruneEmpty(path: string, depth: number): Promise<void> {
  if (depth === 0) return;
  for (const entry of await readdir(path, { withFileTypes: true }).catch(() => [])) {
    if (!entry.isDirectory()) continue;
    const child = join(path, entry.name);
    await pruneEmpty(child, depth - 1);
    if ((await readdir(child).catch(() => ['x'])).length === 0 && (await stat(child)).isDirectory()) await rm(child, { recursive: true, force: true });
  }
}

/** Options of {@link createLakeExporter}. */
export interface LakeExporterOptions {
  bus: EventBus;
  /** The interaction topic (the stream workers' own). */
  topic: string;
  lake: InteractionLake;
  /** Its own consumer group: the workers still get every event. @default 'mycontent-lake' */
  group?: string;
  /** Events per Parquet write (fewer, larger files with more). @default 5_000 */
  batchSize?: number;
}

/**
 * Exports the interaction stream to the lake continuously, in its own consumer group: each batch
 * is one append (acknowledged once written), an invalid event fails alone (redelivered, then
 * dead-lettered with the validation error). At-least-once: an event written twice is read once.
 */
export async function createLakeExporter(options: LakeExporterOptions): Promise<Subscription> {
  return options.bus.subscribeBatch<InteractionInput>(
    options.topic,
    async (messages) => {
      const failed: { id: string; error: unknown }[] = [];
      const valid: InteractionInput[] = [];
      for (const m of messages) {
        const parsed = interactionSchema.safeParse(m.payload);
        if (parsed.success) valid.push(m.payload);
        else failed.push({ id: m.id, error: new MyContentError('INVALID_INPUT', `invalid interaction: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`, { source: SOURCE }) });
      }
      await options.lake.append(valid);
      return { failed };
    },
    { group: options.group ?? 'mycontent-lake', batchSize: options.batchSize ?? 5_000, startFrom: 'earliest' },
  );
}
