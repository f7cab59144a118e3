/**
 * The service's configuration, read once from the environment and checked with zod: a wrong
 * value stops the start with a message naming the variable. With nothing set the service runs on
 * embedded defaults; production mode (`NODE_ENV=production`) refuses to start without real
 * secrets.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ExperimentInput, HoldoutOptions } from '@mycontent/core';
import { z } from 'zod';

const list = z
  .string()
  .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean));
const whole = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** The shape of an experiments file; each experiment is checked by the assigner at start. */
const experimentsFileSchema = z.strictObject({
  experiments: z.array(z.record(z.string(), z.unknown())).max(1_000),
  holdout: z.strictObject({ share: z.number().min(0).max(1), seed: z.string().min(1).optional() }).optional(),
});

const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: whole(0, 65_535).default(3000),
  /** A PostgreSQL URL: the store, the model registry and the accounts live there. Unset: PGlite in memory. */
  DATABASE_URL: z.url().optional(),
  /** A PostgreSQL streaming replica: history, item statistics and training scans read there. Needs DATABASE_URL. */
  DATABASE_READ_URL: z.url().optional(),
  /** A Redis URL: cache, shared rate-limit budget and the event stream. Unset: in-process equivalents. */
  REDIS_URL: z.url().optional(),
  /** Or a Redis Cluster: some of its nodes, `host:port` comma-separated (the client finds the rest). */
  REDIS_CLUSTER_NODES: z
    .string()
    .regex(/^[^,:\s]+:\d{1,5}(,[^,:\s]+:\d{1,5})*$/, 'must be host:port, comma-separated')
    .optional(),
  /** NATS servers (`host:port`, comma-separated): the event stream on NATS JetStream instead of Redis Streams. */
  NATS_URL: z
    .string()
    .regex(/^[^,\s]+(,[^,\s]+)*$/, 'must be host:port, comma-separated')
    .optional(),
  /** Replicas of the NATS streams (3 on a three-node cluster). */
  NATS_REPLICAS: whole(1, 5).default(1),
  /** Partitions of the event stream, keyed by session (every process of the deployment the same: the workers' --partitions). */
  STREAM_PARTITIONS: whole(1, 4_096).default(1),
  /** Schema of the PostgreSQL tables (SDK and accounts). */
  DATABASE_SCHEMA: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/).default('mycontent'),
  /** Key prefix in Redis. */
  REDIS_PREFIX: z.string().min(1).default('mc:'),
  /** HMAC key of the access tokens, at least 32 characters; required in production. */
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Origins allowed by CORS (comma-separated); none by default. */
  CORS_ORIGINS: list.default([]),
  /** Requests per minute per signed-in user (or per IP for anonymous requests). */
  RATE_LIMIT_PER_MINUTE: whole(1, 1_000_000).default(600),
  /** Requests per minute per IP on sign-up, sign-in and refresh. */
  AUTH_RATE_LIMIT_PER_MINUTE: whole(1, 1_000_000).default(20),
  /** Largest accepted request body, in bytes. */
  BODY_LIMIT: whole(1_024, 100 * 1024 * 1024).default(1024 * 1024),
  /** Size of the synthetic news the embedded deployment starts with (when its store is empty). */
  DEMO_SCALE: z.enum(['none', 'tiny', 'demo']).default('demo'),
  /** Seed of the synthetic news. */
  DEMO_SEED: whole(0, 2 ** 31 - 1).default(42),
  /** An administrator account created (or reset) at start. */
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  /** Also apply the events of the Redis stream in this process (a deployment without a separate worker). */
  CONSUME_EVENTS: z.enum(['true', 'false']).default('false'),
  /**
   * With a stream and no CONSUME_EVENTS: observe every event of the stream (a consumer group of
   * this instance's own), so that this instance's online models — open sessions, popularity —
   * follow what the workers store.
   */
  OBSERVE_EVENTS: z.enum(['true', 'false']).default('true'),
  /** Seconds between checks of the model registry for a newly promoted version (0: never). */
  MODEL_REFRESH_SECONDS: whole(0, 86_400).default(30),
  /** A static bearer token Prometheus sends to scrape `/metrics` (32 characters or more); admins' tokens work too. */
  METRICS_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  /** A JSON file of experiments (`{ "experiments": [...], "holdout"?: {...} }`): variants applied per request, exposures logged. */
  EXPERIMENTS_FILE: z.string().min(1).optional(),
  /** The built web app served at `/app/` (default: examples/web-feed/dist, when it is built). */
  WEB_APP_DIR: z.string().min(1).optional(),
});

/** The service's settings. */
export interface ServiceConfig {
  production: boolean;
  host: string;
  port: number;
  databaseUrl?: string;
  /** A streaming replica of `databaseUrl`, for the reads that tolerate lag. */
  databaseReadUrl?: string;
  redisUrl?: string;
  /** Nodes of a Redis Cluster (instead of `redisUrl`). */
  redisClusterNodes?: { host: string; port: number }[];
  /** NATS JetStream servers, for the event stream (instead of Redis Streams). */
  nats?: { servers: string[]; replicas: number };
  /** Partitions of the event stream. */
  streamPartitions: number;
  schema: string;
  redisPrefix: string;
  /** The access-token key; a random one per start outside production. */
  jwtSecret: Uint8Array;
  /** True when `jwtSecret` was drawn at start (tokens do not survive a restart). */
  jwtSecretGenerated: boolean;
  corsOrigins: string[];
  rateLimitPerMinute: number;
  authRateLimitPerMinute: number;
  bodyLimit: number;
  demo: { scale: 'none' | 'tiny' | 'demo'; seed: number };
  admin?: { email: string; password: string };
  consumeEvents: boolean;
  /** Observe every event of the stream for the online models (fan-out), when not consuming them. */
  observeEvents: boolean;
  /** Seconds between checks of the registry for promoted model versions; 0 never checks. */
  modelRefreshSeconds: number;
  /** The scraper's token for `/metrics`, when `METRICS_TOKEN` is set. */
  metricsToken?: string;
  /** The experiments file's content, when `EXPERIMENTS_FILE` is set (checked by the assigner at start). */
  experiments?: { experiments: ExperimentInput[]; holdout?: HoldoutOptions };
  /** The directory of the built web app served at `/app/`, when `WEB_APP_DIR` is set. */
  webAppDir?: string;
}

/** Reads the configuration from `env`; throws one message naming every wrong variable. */
export function readConfig(env: Record<string, string | undefined> = process.env): ServiceConfig {
  const parsed = environmentSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      const value = env[name];
      const shown = name.includes('SECRET') || name.includes('PASSWORD') || name.includes('TOKEN') ? '(hidden)' : JSON.stringify(value);
      return `  ${name}=${shown}: ${issue.message}`;
    });
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const problems: string[] = [];
  if (production && !e.JWT_SECRET) problems.push('  JWT_SECRET: required in production (32 characters or more)');
  if (production && !e.DATABASE_URL) problems.push('  DATABASE_URL: required in production (the embedded database lives in memory)');
  if (e.DATABASE_READ_URL && !e.DATABASE_URL) problems.push('  DATABASE_READ_URL: needs DATABASE_URL (the primary takes the writes)');
  if (Boolean(e.ADMIN_EMAIL) !== Boolean(e.ADMIN_PASSWORD)) problems.push('  ADMIN_EMAIL and ADMIN_PASSWORD: set both or neither');
  if (e.REDIS_URL && e.REDIS_CLUSTER_NODES) problems.push('  REDIS_URL and REDIS_CLUSTER_NODES: set one of them');
  const stream = Boolean(e.REDIS_URL || e.REDIS_CLUSTER_NODES || e.NATS_URL);
  if (e.CONSUME_EVENTS === 'true' && !stream) problems.push('  CONSUME_EVENTS=true: needs REDIS_URL, REDIS_CLUSTER_NODES or NATS_URL (where the stream lives)');
  let experiments: ServiceConfig['experiments'];
  if (e.EXPERIMENTS_FILE) {
    try {
      const parsedFile = experimentsFileSchema.safeParse(JSON.parse(readFileSync(e.EXPERIMENTS_FILE, 'utf8')));
      if (parsedFile.success) experiments = parsedFile.data as ServiceConfig['experiments'];
      else problems.push(`  EXPERIMENTS_FILE=${JSON.stringify(e.EXPERIMENTS_FILE)}: ${parsedFile.error.issues[0]!.path.join('.') || 'the file'} ${parsedFile.error.issues[0]!.message}`);
    } catch (error) {
      problems.push(`  EXPERIMENTS_FILE=${JSON.stringify(e.EXPERIMENTS_FILE)}: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) throw new Error(`invalid configuration:\n${problems.join('\n')}`);
  return {
    production,
    host: e.HOST,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    databaseReadUrl: e.DATABASE_READ_URL,
    redisUrl: e.REDIS_URL,
    redisClusterNodes: e.REDIS_CLUSTER_NODES?.split(',').map((node) => {
      const at = node.lastIndexOf(':');
      return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
    }),
    nats: e.NATS_URL ? { servers: e.NATS_URL.split(','), replicas: e.NATS_REPLICAS } : undefined,
    streamPartitions: e.STREAM_PARTITIONS,
    schema: e.DATABASE_SCHEMA,
    redisPrefix: e.REDIS_PREFIX,
    jwtSecret: e.JWT_SECRET ? new TextEncoder().encode(e.JWT_SECRET) : randomBytes(32),
    jwtSecretGenerated: !e.JWT_SECRET,
    corsOrigins: e.CORS_ORIGINS,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    authRateLimitPerMinute: e.AUTH_RATE_LIMIT_PER_MINUTE,
    bodyLimit: e.BODY_LIMIT,
    demo: { scale: e.DEMO_SCALE, seed: e.DEMO_SEED },
    admin: e.ADMIN_EMAIL && e.ADMIN_PASSWORD ? { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD } : undefined,
    consumeEvents: e.CONSUME_EVENTS === 'true',
    observeEvents: e.OBSERVE_EVENTS === 'true' && e.CONSUME_EVENTS !== 'true',
    modelRefreshSeconds: e.MODEL_REFRESH_SECONDS,
    ...(e.METRICS_TOKEN ? { metricsToken: e.METRICS_TOKEN } : {}),
    ...(experiments ? { experiments } : {}),
    ...(e.WEB_APP_DIR ? { webAppDir: e.WEB_APP_DIR } : {}),
  };
}
