/**
 * Publishes synthetic click events to the worker's stream, for demos and load tests.
 *
 *   npm run publish-events -w @mycontent/example-stream-worker -- --events 100000 [--users 5000]
 *     [--items 2000] [--seed 1] [--redis URL] [--prefix mc:] [--topic interactions] [--rate 0]
 *     [--events-per-user N] [--nats HOST:PORT[,...]] [--partitions N]
 *
 * With `--events-per-user N`, users are not drawn from `--users`: every N events come from a user
 * never seen before (`<seed>-new-<k>`) — a flood of new visitors, for memory soaks.
 *
 * Every event has an `eventId` (`<seed>-<n>`), so publishing the same run twice applies nothing twice.
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { createRandom } from '@mycontent/core/data';
import { openEventBus } from './bus';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    users: { type: 'string', default: '5000' },
    items: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    prefix: { type: 'string', default: 'mc:' },
    topic: { type: 'string', default: 'interactions' },
    rate: { type: 'string', default: '0' },
    'events-per-user': { type: 'string' },
    nats: { type: 'string', default: process.env.NATS_URL },
    partitions: { type: 'string', default: '1' },
  },
});

const redis = new Redis(values.redis!);
// On a partitioned topic, each event goes to its user's partition (the bus's default key).
const { bus, close } = await openEventBus({ redis, prefix: values.prefix!, nats: values.nats, partitions: Number(values.partitions) });
const rng = createRandom(Number(values.seed));
const total = Number(values.events);
const rate = Number(values.rate);
const perUser = values['events-per-user'] === undefined ? undefined : Number(values['events-per-user']);
const userOf = (n: number) => (perUser ? `${values.seed}-new-${Math.floor(n / perUser)}` : `u${rng.int(Number(values.users))}`);
const started = Date.now();
for (let from = 0; from < total; from += 1_000) {
  const batch = [];
  for (let n = from; n < Math.min(total, from + 1_000); n++) {
    batch.push({ eventId: `${values.seed}-${n}`, userId: userOf(n), itemId: `a${rng.int(Number(values.items))}`, type: 'click', timestamp: Date.now() });
  }
  await bus.publishBatch(values.topic!, batch);
  if (rate > 0) {
    const due = started + ((from + batch.length) / rate) * 1000;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
  }
}
console.log(JSON.stringify({ published: total, ms: Date.now() - started }));
await close();
redis.disconnect();
