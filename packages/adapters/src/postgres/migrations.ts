import { backendError, connectSql, quoteSchema, type PostgresConnection } from './sql';

/** One versioned schema change. */
export interface PostgresMigration {
  /** 1, 2, 3... applied in order, each once. */
  version: number;
  name: string;
  /** The statements, for the given schema. */
  sql: string;
}

/** The id columns compare bytes (`COLLATE "C"`): deterministic, and the fastest text order. */
const ID = 'text COLLATE "C"';

/**
 * The migrations of the PostgreSQL adapters, for `schema`: the `users`, `articles` and
 * `interactions` tables with two interaction indexes (by user and time, by item and time), plus
 * what the engine needs (`item_stats`, `user_profiles`, `models`, `bandit_arms`, `experiment_assignments`, `exposures`). Hosts that
 * manage their own migrations can read (or print) the SQL from here; others call
 * {@link migratePostgres}.
 *
 * Choices made on purpose: ids are text (an SDK cannot impose bigint ids);
 * interactions have no foreign keys (events may arrive before their article or user rows, and
 * an anonymised interaction points to no user); `articles.embedding` is `bytea` holding
 * little-endian float32 values (exact and compact); `interactions` is partitioned by UTC day
 * (`interactions_YYYYMMDD`, created by the store as events arrive through the
 * `interaction_partitions(date[])` function), so that retention drops whole days; the event ids
 * seen live in `interaction_events` (the id, unique, and the event's time), which makes each event
 * stored once whatever partition its retries would land in.
 */
export function postgresMigrations(schema = 'mycontent'): PostgresMigration[] {
  const s = quoteSchema(schema, 'postgres'); // checked: letters, digits and _, so `schema` is safe inside literals too
  return [
    {
      version: 1,
      name: 'seed schema, statistics, profiles, models',
      sql: `
CREATE TABLE ${s}.users (
  user_id ${ID} PRIMARY KEY,
  created_at timestamptz NOT NULL,
  preferences jsonb,
  metadata json
);
CREATE TABLE ${s}.articles (
  article_id ${ID} PRIMARY KEY,
  title text,
  summary text,
  content text,
  category_id ${ID},
  publisher_id ${ID},
  words_count integer,
  created_at timestamptz NOT NULL,
  embedding bytea,
  metadata json
);
CREATE TABLE ${s}.interactions (
  interaction_id bigserial PRIMARY KEY,
  user_id ${ID} NOT NULL,
  article_id ${ID} NOT NULL,
  interaction_type text NOT NULL CHECK (interaction_type IN ('view', 'click', 'read', 'like', 'dislike', 'share', 'rating')),
  "timestamp" timestamptz NOT NULL,
  duration_seconds double precision,
  rating double precision,
  session_id ${ID},
  context json,
  event_id text
);
CREATE INDEX idx_interactions_user ON ${s}.interactions (user_id, "timestamp" DESC);
CREATE INDEX idx_interactions_article ON ${s}.interactions (article_id, "timestamp" DESC);
CREATE TABLE ${s}.item_stats (
  article_id ${ID} PRIMARY KEY,
  views bigint NOT NULL DEFAULT 0,
  clicks bigint NOT NULL DEFAULT 0,
  reads bigint NOT NULL DEFAULT 0,
  likes bigint NOT NULL DEFAULT 0,
  dislikes bigint NOT NULL DEFAULT 0,
  shares bigint NOT NULL DEFAULT 0,
  ratings bigint NOT NULL DEFAULT 0,
  rating_sum double precision NOT NULL DEFAULT 0,
  read_seconds double precision NOT NULL DEFAULT 0,
  last_interaction_at timestamptz
);
CREATE TABLE ${s}.user_profiles (
  user_id ${ID} PRIMARY KEY,
  profile jsonb,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE ${s}.models (
  name text NOT NULL,
  version integer NOT NULL,
  created_at timestamptz NOT NULL,
  metadata json NOT NULL,
  bytes bytea NOT NULL,
  PRIMARY KEY (name, version)
);
`,
    },
    {
      version: 2,
      name: 'event ids are unique (idempotent event processing)',
      sql: `
CREATE UNIQUE INDEX interactions_event_id ON ${s}.interactions (event_id) WHERE event_id IS NOT NULL;
`,
    },
    {
      version: 3,
      name: 'profiles as json (rewritten whole on every event: no jsonb parsing)',
      sql: `
ALTER TABLE ${s}.user_profiles ALTER COLUMN profile TYPE json USING profile::json;
`,
    },
    {
      version: 4,
      name: 'bandit arms (shared, incremented state of multi-armed bandits)',
      sql: `
CREATE TABLE ${s}.bandit_arms (
  bandit text COLLATE "C" NOT NULL,
  arm text COLLATE "C" NOT NULL,
  bucket bigint NOT NULL,
  pulls double precision NOT NULL DEFAULT 0,
  reward double precision NOT NULL DEFAULT 0,
  vector double precision[],
  PRIMARY KEY (bandit, bucket, arm)
);
`,
    },
    {
      version: 5,
      name: 'sticky experiment assignments',
      sql: `
CREATE TABLE ${s}.experiment_assignments (
  user_id text COLLATE "C" NOT NULL,
  experiment text COLLATE "C" NOT NULL,
  variant text NOT NULL,
  assigned_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, experiment)
);
CREATE INDEX experiment_assignments_experiment ON ${s}.experiment_assignments (experiment);
`,
    },
    {
      version: 6,
      name: 'served lists (exposures) and the list an interaction came from',
      sql: `
CREATE TABLE ${s}.exposures (
  exposure_id ${ID} PRIMARY KEY,
  user_id ${ID},
  served_at double precision NOT NULL,
  experiments text[] COLLATE "C" NOT NULL,
  exposure json NOT NULL
);
CREATE INDEX exposures_served ON ${s}.exposures (served_at, exposure_id);
CREATE INDEX exposures_user ON ${s}.exposures (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX exposures_experiments ON ${s}.exposures USING gin (experiments);
ALTER TABLE ${s}.interactions ADD COLUMN recommendation_id ${ID};
`,
    },
    {
      version: 7,
      name: 'model versions: serving, candidate or retired; promotions and pins',
      sql: `
ALTER TABLE ${s}.models
  ADD COLUMN state text NOT NULL DEFAULT 'candidate' CHECK (state IN ('candidate', 'serving', 'retired')),
  ADD COLUMN promoted_at timestamptz,
  ADD COLUMN previous integer,
  ADD COLUMN pinned boolean NOT NULL DEFAULT false;
-- What served before: the latest version of each model (as loading it did), the others retired.
UPDATE ${s}.models m SET state = 'serving', promoted_at = m.created_at
  WHERE m.version = (SELECT max(version) FROM ${s}.models o WHERE o.name = m.name);
UPDATE ${s}.models SET state = 'retired', promoted_at = created_at WHERE state = 'candidate';
CREATE UNIQUE INDEX models_one_serving ON ${s}.models (name) WHERE state = 'serving';
`,
    },
    {
      version: 8,
      name: 'the interaction log partitioned by day (retention drops whole days); event ids in a table of their own',
      sql: `
CREATE FUNCTION ${s}.interaction_partitions(days date[]) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  d date;
  created integer := 0;
BEGIN
  -- One creator at a time: concurrent writers wait here, then find the partition made.
  PERFORM pg_advisory_xact_lock(hashtext('mycontent-partitions:${schema}'));
  FOREACH d IN ARRAY days LOOP
    IF to_regclass(format('%I.%I', '${schema}', 'interactions_' || to_char(d, 'YYYYMMDD'))) IS NULL THEN
      EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.interactions FOR VALUES FROM (%L) TO (%L)',
        '${schema}', 'interactions_' || to_char(d, 'YYYYMMDD'), '${schema}',
        d::timestamp AT TIME ZONE 'UTC', (d + 1)::timestamp AT TIME ZONE 'UTC');
      created := created + 1;
    END IF;
  END LOOP;
  RETURN created;
END
$$;
ALTER TABLE ${s}.interactions RENAME TO interactions_unpartitioned;
ALTER TABLE ${s}.interactions_unpartitioned RENAME CONSTRAINT interactions_pkey TO interactions_unpartitioned_pkey;
DROP INDEX ${s}.idx_interactions_user;
DROP INDEX ${s}.idx_interactions_article;
DROP INDEX ${s}.interactions_event_id;
CREATE TABLE ${s}.interactions (
  interaction_id bigint NOT NULL DEFAULT nextval('${s}.interactions_interaction_id_seq'),
  user_id ${ID} NOT NULL,
  article_id ${ID} NOT NULL,
  interaction_type text NOT NULL CHECK (interaction_type IN ('view', 'click', 'read', 'like', 'dislike', 'share', 'rating')),
  "timestamp" timestamptz NOT NULL,
  duration_seconds double precision,
  rating double precision,
  session_id ${ID},
  context json,
  event_id text,
  recommendation_id ${ID},
  PRIMARY KEY (interaction_id, "timestamp")
) PARTITION BY RANGE ("timestamp");
CREATE INDEX idx_interactions_user ON ${s}.interactions (user_id, "timestamp" DESC);
CREATE INDEX idx_interactions_article ON ${s}.interactions (article_id, "timestamp" DESC);
CREATE TABLE ${s}.interaction_events (
  event_id text PRIMARY KEY,
  "timestamp" timestamptz NOT NULL
);
CREATE INDEX interaction_events_time ON ${s}.interaction_events ("timestamp");
INSERT INTO ${s}.interaction_events (event_id, "timestamp")
  SELECT event_id, min("timestamp") FROM ${s}.interactions_unpartitioned WHERE event_id IS NOT NULL GROUP BY event_id;
SELECT ${s}.interaction_partitions(ARRAY(SELECT DISTINCT ("timestamp" AT TIME ZONE 'UTC')::date FROM ${s}.interactions_unpartitioned));
INSERT INTO ${s}.interactions
  (interaction_id, user_id, article_id, interaction_type, "timestamp", duration_seconds, rating, session_id, context, event_id, recommendation_id)
  SELECT interaction_id, user_id, article_id, interaction_type, "timestamp", duration_seconds, rating, session_id, context, event_id, recommendation_id
  FROM ${s}.interactions_unpartitioned;
ALTER SEQUENCE ${s}.interactions_interaction_id_seq OWNED BY ${s}.interactions.interaction_id;
DROP TABLE ${s}.interactions_unpartitioned;
`,
    },
  ];
}

/** The statements of a migration: split at `;` ending a line, but not inside a `$$` function body. */
function sqlStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  for (const [i, part] of sql.split('$$').entries()) {
    if (i % 2 === 1) {
      current += `$$${part}$$`; // a function body, whole
      continue;
    }
    const pieces = part.split(';\n');
    current += pieces[0];
    for (const piece of pieces.slice(1)) {
      statements.push(current);
      current = piece;
    }
  }
  statements.push(current);
  return statements.map((x) => x.trim().replace(/;$/, '')).filter(Boolean);
}

/**
 * The operation runner of a PostgreSQL adapter: each operation first waits for the migrations
 * (applied once, tried again after a failure; skipped with `migrate: false`), and a driver error
 * becomes a typed `BACKEND` error named `<adapter>.<operation>`.
 */
export function migratedOperations(options: PostgresConnection & { migrate?: boolean }, adapter: string) {
  let ready: Promise<unknown> | undefined;
  return async function op<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (options.migrate !== false) {
      ready ??= migratePostgres(options).catch((error) => {
        ready = undefined; // try again on the next call
        throw error;
      });
      await ready;
    }
    try {
      return await fn();
    } catch (error) {
      throw backendError('postgres', `${adapter}.${name}`, error);
    }
  };
}

/** What {@link migratePostgres} did. */
export interface MigrationReport {
  /** Versions applied by this call (empty when the schema was up to date). */
  applied: number[];
  /** The schema's version afterwards. */
  version: number;
}

/**
 * Creates the schema if needed and applies the pending migrations, in one transaction under an
 * advisory lock: concurrent callers (several processes starting together) apply each migration
 * exactly once, and a failing migration leaves the schema as it was.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { migratePostgres } from '@mycontent/adapters/postgres';
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * await migratePostgres({ pool, schema: 'mycontent' }); // { applied: [1], version: 1 }
 * ```
 */
export async function migratePostgres(connection: PostgresConnection): Promise<MigrationReport> {
  const db = connectSql(connection, 'postgres');
  const s = db.schema;
  const migrations = postgresMigrations(connection.schema ?? 'mycontent');
  try {
    return await db.transaction(async (tx) => {
      // One lock per schema name, held until commit.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`mycontent-migrate:${s}`]);
      await tx.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await tx.query(
        `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const done = new Set((await tx.query<{ version: number }>(`SELECT version FROM ${s}.schema_migrations`)).rows.map((r) => Number(r.version)));
      const applied: number[] = [];
      for (const migration of migrations) {
        if (done.has(migration.version)) continue;
        for (const statement of sqlStatements(migration.sql)) await tx.query(statement);
        await tx.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
        applied.push(migration.version);
      }
      return { applied, version: Math.max(0, ...done, ...applied) };
    });
  } catch (error) {
    throw backendError('postgres', 'migration', error);
  }
}
