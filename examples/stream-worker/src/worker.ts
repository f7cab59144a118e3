/**
 * The stream worker: takes interaction events from a Redis Stream, or a NATS JetStream stream
 * with `--nats` (consumer group shared by every copy), applies them to PostgreSQL (interactions,
 * item statistics, profiles) and Redis (cache invalidation, recomputed recommendations), exactly
 * once in effect.
 *
 *   npm start -w @mycontent/example-stream-worker -- [--postgres URL] [--redis URL | --redis-cluster HOST:PORT,...] [--schema mycontent]
 *     [--prefix mc:] [--topic interactions] [--group mycontent-event-processor] [--batch 500]
 *     [--claim-idle-ms 30000] [--health-ms 5000] [--no-recompute] [--metrics-port 9464]
 *     [--nats HOST:PORT[,HOST:PORT...] [--nats-replicas 3]] [--partitions 16 [--lease-ttl-ms 10000]]
 *
 * With `--partitions`, the topic is split by session (else user) and the workers of the group
 * share the partitions by leases in Redis: each partition — and the open sessions built from it —
 * is read by one worker at a time, handed over when a worker stops, and taken over `--lease-ttl-ms`
 * after a worker dies. The health lines list the partitions the worker owns.
 *
 * Prints one JSON line per `--health-ms` ({"type":"health", processed, retried, deadLettered,
 * backend, outages, recomputeQueue, recomputeSkipped, models: { related: { openSessions, ... } },
 * heapUsedMB, rssMB, ...}) and a last one when it stops. SIGTERM / SIGINT: stop taking events, finish and acknowledge the
 * batch in flight, close the connections, exit 0. A SIGKILL loses nothing either: the events it
 * held are claimed by another worker after `--claim-idle-ms`, and the ones it had already applied
 * are recognised by their event id.
 *
 * With `--metrics-port`, the engine's and the processor's OpenTelemetry metrics (stream lag, batch
 * time, events by outcome — dead letters included —, cache results...) are served for Prometheus
 * at `http://<host>:<port>/metrics` (the alarm rules: examples/service/prometheus/alerts.yml).
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Cluster, Redis } from 'ioredis';
import { createEventProcessor, createRecommender } from '@mycontent/core';
import { createPostgresModelRegistry, createPostgresStore } from '@mycontent/adapters/postgres';
import { createRedisCache, createRedisLeaseStore } from '@mycontent/adapters/redis';
import { createItemKnnModel, createPopularityModel } from '@mycontent/algorithms';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { openEventBus } from './bus';

const { values } = parseArgs({
  options: {
    postgres: { type: 'string', default: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    'redis-cluster': { type: 'string', default: process.env.REDIS_CLUSTER_NODES },
    schema: { type: 'string', default: 'mycontent' },
    prefix: { type: 'string', default: 'mc:' },
    topic: { type: 'string', default: 'interactions' },
    group: { type: 'string', default: 'mycontent-event-processor' },
    batch: { type: 'string', default: '500' },
    'claim-idle-ms': { type: 'string', default: '30000' },
    'health-ms': { type: 'string', default: '5000' },
    'no-recompute': { type: 'boolean', default: false },
    'metrics-port': { type: 'string' },
    nats: { type: 'string', default: process.env.NATS_URL },
    'nats-replicas': { type: 'string', default: '1' },
    partitions: { type: 'string', default: '1' },
    'lease-ttl-ms': { type: 'string', default: '10000' },
  },
});

const emit = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ ...line, pid: process.pid, at: new Date().toISOString() })}\n`);

const pool = new pg.Pool({ connectionString: values.postgres, max: 4 });
pool.on('error', (error) => emit({ type: 'warning', message: `postgres: ${error.message}` }));
// One Redis, or a Redis Cluster (`--redis-cluster`: some of its nodes; the client follows failovers).
const redis = values['redis-cluster']
  ? new Cluster(
      values['redis-cluster'].split(',').map((node) => ({ host: node.slice(0, node.lastIndexOf(':')), port: Number(node.slice(node.lastIndexOf(':') + 1)) })),
      { redisOptions: { maxRetriesPerRequest: 1 } },
    )
  : new Redis(values.redis!, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
redis.on('error', () => {}); // ioredis reconnects by itself; failures show in the health lines
await new Promise<void>((resolve) => (redis.status === 'ready' ? resolve() : redis.once('ready', () => resolve())));

// Metrics for Prometheus, when asked: an OpenTelemetry meter whose reader serves /metrics.
const metricsPort = values['metrics-port'] === undefined ? undefined : Number(values['metrics-port']);
const provider = metricsPort === undefined ? undefined : new MeterProvider({ readers: [new PrometheusExporter({ port: metricsPort })] });
const meter = provider?.getMeter('mycontent');

const store = createPostgresStore({ pool, schema: values.schema });
const registry = createPostgresModelRegistry({ pool, schema: values.schema });
const recommender = createRecommender({
  store,
  registry,
  cache: createRedisCache({ client: redis, prefix: values.prefix }),
  models: { trending: createPopularityModel(), related: createItemKnnModel({ similarity: 'cosine' }) },
  blend: { related: 0.85, trending: 0.15 },
  logger: { warn: (message, details) => emit({ type: 'warning', message, ...details }) },
  ...(meter ? { meter } : {}),
});

// Models: the latest saved versions, else trained on what the store holds, else none yet (events
// are still applied; recomputing recommendations waits for a model).
let recompute = !values['no-recompute'];
try {
  await recommender.loadModels();
  emit({ type: 'models', source: 'registry' });
} catch {
  if ((await store.interactions.count()) > 0) {
    const report = await recommender.train();
    emit({ type: 'models', source: 'trained', interactions: report.interactions, ms: Math.round(report.ms) });
  } else {
    recompute = false;
    emit({ type: 'models', source: 'none', note: 'no saved model and no interactions yet: recompute disabled' });
  }
}

const partitions = Number(values.partitions);
const bus = await openEventBus({ redis, prefix: values.prefix!, claimIdleMs: Number(values['claim-idle-ms']), nats: values.nats, natsReplicas: Number(values['nats-replicas']), partitions });
const processor = createEventProcessor({
  recommender,
  bus: bus.bus,
  topic: values.topic,
  group: values.group,
  batchSize: Number(values.batch),
  recompute: recompute ? {} : false,
  ...(meter ? { meter } : {}),
  ...(partitions > 1
    ? {
        ownership: {
          leases: createRedisLeaseStore({ client: redis, prefix: values.prefix }),
          ttlMs: Number(values['lease-ttl-ms']),
          logger: { warn: (message: string, details?: Record<string, unknown>) => emit({ type: 'warning', message, ...details }) },
        },
      }
    : {}),
});
await processor.start();
emit({ type: 'started', bus: bus.bus.name, topic: values.topic, group: values.group, partitions, ...(metricsPort === undefined ? {} : { metrics: `http://localhost:${metricsPort}/metrics` }) });

/** The processor's counters, the models' bounded state (`openSessions`, evictions...) and the process's memory. */
const healthLine = () => {
  const memory = process.memoryUsage();
  return {
    ...processor.stats(),
    models: recommender.metrics().models,
    heapUsedMB: Math.round(memory.heapUsed / 1e5) / 10,
    rssMB: Math.round(memory.rss / 1e5) / 10,
  };
};
const health = setInterval(() => emit({ type: 'health', ...healthLine() }), Number(values['health-ms']));

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  clearInterval(health);
  await processor.stop(); // the batch in flight is applied and acknowledged
  emit({ type: 'stopped', signal, ...healthLine() });
  await provider?.shutdown();
  await pool.end();
  await bus.close();
  redis.disconnect();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
