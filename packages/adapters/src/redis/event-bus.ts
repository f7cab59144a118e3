import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  MyContentError,
  handleEachMessage,
  type BatchHandler,
  type BusMessage,
  type DeadLetter,
  type EventBus,
  type PartitioningOptions,
  type PublishBatchOptions,
  type PublishOptions,
  type SubscribeOptions,
  type Subscription,
} from '@mycontent/core';
import { resolvePartitioning } from '@mycontent/core/internal';
import { redisContext, type RedisAdapterOptions } from './client';

/** Name of the Redis Streams event bus adapter. */
export const REDIS_EVENT_BUS_NAME = 'redis-streams-event-bus';

/** Options of {@link createRedisEventBus}. */
export interface RedisEventBusOptions extends RedisAdapterOptions, PartitioningOptions {
  /** Approximate maximum length of each topic's stream (`XADD MAXLEN ~`). @default 1_000_000 */
  maxLength?: number;
  /** Approximate maximum length of each dead-letter stream. @default 100_000 */
  deadLetterMaxLength?: number;
  /** This process's consumer name inside its groups. @default `<host>-<pid>-<random>` */
  consumer?: string;
  /**
   * A message left pending this long by another consumer (which crashed or hangs) is claimed
   * by this one (`XAUTOCLAIM`). Longer than your slowest batch. @default 30_000
   */
  claimIdleMs?: number;
  /** How long one read waits for new messages (`XREADGROUP BLOCK`); bounds shutdown time. @default 500 */
  blockMs?: number;
  /** First retry delay of a failed message, doubled per delivery (at most 5 s). @default 100 */
  retryDelayMs?: number;
}

type Fields = string[];
type StreamEntry = [id: string, fields: Fields];

const payloadOf = (fields: Fields): string | undefined => {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'p') return fields[i + 1];
  return undefined;
};

/**
 * The event bus on Redis Streams (ioredis `Redis` or `Cluster`). One stream per topic,
 * `<prefix>{s:<topic>}`, bounded with `XADD MAXLEN ~`; consumer groups share a topic between
 * workers (each group gets every message); a message is acknowledged (`XACK`) only after its
 * handler resolved; a failed message is retried (its delivery count kept by Redis) and, past
 * `maxDeliveries`, moved to `<prefix>{s:<topic>}:dead` with the error; messages left pending by a
 * crashed worker are claimed by the others after `claimIdleMs` (`XAUTOCLAIM`).
 *
 * With `partitions`, partition `p` of a topic is the stream `<prefix>{s:<topic>#<p>}` (each on
 * its own cluster slot) and the count is recorded in `<prefix>{s:<topic>}:partitions`: a bus
 * configured with another count is refused.
 *
 * Each subscription reads on its own connection (`client.duplicate()`, closed with the
 * subscription), so the blocking reads never delay the host's other commands. A subscription
 * survives Redis restarts: it reconnects, and recreates its group if the server lost it.
 *
 * @example
 * ```ts
 * const bus = createRedisEventBus({ client });
 * await bus.subscribeBatch('interactions', async (messages) => {
 *   await recommender.ingestInteractions(messages.map((m) => m.payload));
 * }, { group: 'profile-updater', batchSize: 500 });
 * await bus.publish('interactions', { userId: 'u1', itemId: 'a1', type: 'click', timestamp: Date.now() });
 * ```
 */
/** A stream entry's publication time: the millisecond part of its id (`<ms>-<seq>`), assigned by Redis. */
const publishedAt = (id: string) => Number(id.slice(0, id.indexOf('-')));

export function createRedisEventBus(options: RedisEventBusOptions): EventBus {
  const redis = redisContext(options, 'redis');
  const { client, prefix } = redis;
  const maxLength = options.maxLength ?? 1_000_000;
  const deadMaxLength = options.deadLetterMaxLength ?? 100_000;
  const consumerName = options.consumer ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const claimIdleMs = options.claimIdleMs ?? 30_000;
  const blockMs = options.blockMs ?? 500;
  const retryDelayMs = options.retryDelayMs ?? 100;
  const partitioning = resolvePartitioning('redis', options);
  /** The stream of a topic's partition. */
  const streamKey = (topic: string, partition: number) => (partitioning.partitions === 1 ? `${prefix}{s:${topic}}` : `${prefix}{s:${topic}#${partition}}`);
  const streamKeys = (topic: string) => partitioning.consumed(undefined).map((p) => streamKey(topic, p));
  const deadKey = (topic: string) => `${prefix}{s:${topic}}:dead`;
  const checked = new Map<string, Promise<void>>();
  /** Records the topic's partition count, or refuses a bus configured with another one (once per topic and process). */
  const checkPartitions = (topic: string) => {
    let done = checked.get(topic);
    if (!done) {
      done = (async () => {
        const key = `${prefix}{s:${topic}}:partitions`;
        const recorded = await redis.call('redis-event-bus.partitions', async () => {
          await client.set(key, String(partitioning.partitions), 'NX');
          return client.get(key);
        });
        if (Number(recorded) !== partitioning.partitions) {
          throw new MyContentError('INVALID_CONFIG', `topic ${topic} has ${recorded} partitions, this bus is configured with ${partitioning.partitions}`, {
            source: 'redis',
            field: 'partitions',
            value: partitioning.partitions,
          });
        }
      })();
      done.catch(() => checked.delete(topic));
      checked.set(topic, done);
    }
    return done;
  };
  const subscriptions = new Set<Subscription>();
  let anonymous = 0;

  async function ensureGroup(conn: Redis, key: string, group: string, from: string): Promise<void> {
    try {
      await conn.xgroup('CREATE', key, group, from, 'MKSTREAM');
    } catch (error) {
      if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
    }
  }

  async function subscribeBatch<T>(topic: string, handler: BatchHandler<T>, subscribe: SubscribeOptions = {}): Promise<Subscription> {
    const partitions = partitioning.consumed(subscribe.partitions);
    await checkPartitions(topic);
    const group = subscribe.group ?? `anonymous-${consumerName}-${anonymous++}`;
    const parts = await Promise.all(partitions.map((p) => subscribeStream(topic, streamKey(topic, p), group, handler, subscribe)));
    return {
      async close() {
        await Promise.all(parts.map((part) => part.close()));
      },
    };
  }

  /** A subscription of `group` to one stream (a topic, or one partition of it). */
  async function subscribeStream<T>(topic: string, key: string, group: string, handler: BatchHandler<T>, subscribe: SubscribeOptions): Promise<Subscription> {
    const maxDeliveries = subscribe.maxDeliveries ?? 5;
    const batchSize = subscribe.batchSize ?? 100;
    const reader = client.duplicate() as Redis;
    reader.on('error', () => {}); // reconnection is automatic; failures surface in the loop below
    await redis.call('redis-event-bus.subscribe', () => ensureGroup(client as Redis, key, group, subscribe.startFrom === 'earliest' ? '0' : '$'), 10_000);
    let closed = false;
    let lastClaim = 0;
    /** Failed messages waiting for their retry, by id: the time it is due. */
    const retries = new Map<string, number>();

    const toMessage = (entry: StreamEntry, deliveries: number): BusMessage<T> | undefined => {
      const raw = payloadOf(entry[1]);
      if (raw === undefined) return undefined;
      let payload: T;
      try {
        payload = JSON.parse(raw) as T;
      } catch {
        payload = raw as T; // not JSON: the handler sees the raw text and can reject it
      }
      return { id: entry[0], publishedAt: publishedAt(entry[0]), topic, payload, deliveries, bytes: Buffer.byteLength(raw) };
    };

    /**
     * The exact delivery count of each id still pending for this consumer (one `XPENDING` per id,
     * pipelined): an id missing from the answer was acknowledged or taken by another consumer
     * meanwhile, and is not handled here.
     */
    async function deliveriesOf(ids: string[]): Promise<Map<string, number>> {
      const counts = new Map<string, number>();
      if (ids.length === 0) return counts;
      const pipeline = reader.pipeline();
      for (const id of ids) pipeline.xpending(key, group, id, id, 1, consumerName);
      const results = (await pipeline.exec()) ?? [];
      results.forEach(([error, rows], i) => {
        if (error) throw error;
        const row = (rows as [string, string, number, number][])[0];
        if (row) counts.set(ids[i]!, row[3]);
      });
      return counts;
    }

    /** Messages of `entries` still ours, with their exact delivery counts. */
    async function claimed(entries: StreamEntry[]): Promise<BusMessage<T>[]> {
      const counts = await deliveriesOf(entries.map((e) => e[0]));
      const messages: BusMessage<T>[] = [];
      for (const entry of entries) {
        const count = counts.get(entry[0]);
        const message = count === undefined ? undefined : toMessage(entry, count);
        if (message) messages.push(message);
      }
      return messages;
    }

    /**
     * Claims `ids` again for this consumer without counting a delivery (`XCLAIM … JUSTID`), which
     * resets their idle time; `retryCount` also sets their delivery count.
     */
    async function reclaim(ids: string[], retryCount?: number): Promise<void> {
      if (ids.length === 0) return;
      const count = retryCount === undefined ? [] : ['RETRYCOUNT', retryCount];
      await (reader.xclaim as (...args: unknown[]) => Promise<unknown>)(key, group, consumerName, 0, ...ids, ...count, 'JUSTID');
    }

    async function handle(all: BusMessage<T>[]): Promise<void> {
      if (all.length === 0) return;
      for (const m of all) retries.delete(m.id);
      // Past the limit without an acknowledgement (the consumer crashed or hung each time): the
      // handler does not see it again.
      const over = all.filter((m) => m.deliveries > maxDeliveries);
      const messages = all.filter((m) => m.deliveries <= maxDeliveries);
      let failed: Map<string, string>;
      let released = new Set<string>();
      // While the handler runs, keep its messages claimed: no other consumer takes them over.
      const lease = setInterval(() => void reclaim(messages.map((m) => m.id)).catch(() => {}), Math.max(10, Math.floor(claimIdleMs / 3)));
      try {
        const outcome = messages.length > 0 ? await handler(messages) : undefined;
        failed = new Map((outcome?.failed ?? []).map((f) => [f.id, errorText(f.error)]));
        released = new Set((outcome?.released ?? []).filter((id) => !failed.has(id)));
      } catch (error) {
        failed = new Map(messages.map((m) => [m.id, errorText(error)]));
      } finally {
        clearInterval(lease);
      }
      const done: string[] = [];
      const dead: [BusMessage<T>, string][] = over.map((m) => [m, `delivered ${m.deliveries} times without an acknowledgement (the consumer crashed or timed out)`]);
      const giveBack = new Map<number, string[]>();
      for (const m of messages) {
        const error = failed.get(m.id);
        if (released.has(m.id)) giveBack.set(m.deliveries - 1, [...(giveBack.get(m.deliveries - 1) ?? []), m.id]);
        else if (error === undefined) done.push(m.id);
        else if (m.deliveries >= maxDeliveries) dead.push([m, error]);
        else retries.set(m.id, Date.now() + Math.min(5_000, retryDelayMs * 2 ** (m.deliveries - 1)));
      }
      // Released: their delivery uncounted, then delivered again (here, or by another consumer once idle).
      for (const [count, ids] of giveBack) {
        await reclaim(ids, count);
        if (!closed) for (const id of ids) retries.set(id, Date.now() + retryDelayMs);
      }
      for (const [m, error] of dead) {
        await reader.xadd(deadKey(topic), 'MAXLEN', '~', deadMaxLength, '*', 'id', m.id, 'group', group, 'deliveries', String(m.deliveries), 'error', error, 'p', JSON.stringify(m.payload));
        done.push(m.id);
      }
      if (done.length > 0) await reader.xack(key, group, ...done);
    }

    async function step(): Promise<void> {
      // 1. Own retries that are due: claim them again (Redis counts the delivery), then handle.
      const now = Date.now();
      const due = [...retries].filter(([, at]) => at <= now).map(([id]) => id).slice(0, batchSize);
      if (due.length > 0) {
        for (const id of due) retries.delete(id);
        const entries = (await reader.xclaim(key, group, consumerName, 0, ...due)) as StreamEntry[];
        await handle(await claimed(entries.filter((e) => e && e[1] !== null)));
        return;
      }
      // 2. Messages abandoned by crashed consumers; then the consumers they leave behind.
      if (now - lastClaim >= Math.min(claimIdleMs, 5_000)) {
        lastClaim = now;
        const [, entries] = (await reader.xautoclaim(key, group, consumerName, claimIdleMs, '0-0', 'COUNT', batchSize)) as [string, StreamEntry[]];
        const live = entries.filter((e) => e && e[1] !== null);
        if (live.length > 0) {
          await handle(await claimed(live));
          return;
        }
        await removeConsumers(reader, key, group, { except: consumerName, idleMs: claimIdleMs });
      }
      // 3. New messages.
      const block = retries.size > 0 ? Math.max(1, Math.min(blockMs, Math.min(...retries.values()) - now)) : blockMs;
      const result = (await reader.xreadgroup('GROUP', group, consumerName, 'COUNT', batchSize, 'BLOCK', block, 'STREAMS', key, '>')) as
        | [string, StreamEntry[]][]
        | null;
      const entries = result?.[0]?.[1] ?? [];
      await handle(entries.map((e) => toMessage(e, 1)).filter((m): m is BusMessage<T> => m !== undefined));
    }

    const loop = (async () => {
      while (!closed) {
        try {
          await step();
        } catch (error) {
          if (closed) break;
          const message = String((error as Error).message);
          if (message.includes('NOGROUP')) {
            // The server lost the stream or the group (a restart without persistence): recreate it.
            await ensureGroup(reader, key, group, '0').catch(() => {});
          }
          await new Promise((r) => setTimeout(r, 100)); // disconnected: ioredis reconnects meanwhile
        }
      }
    })();

    const subscription: Subscription = {
      async close() {
        if (closed) return;
        closed = true;
        await loop; // finishes the in-flight batch and its acknowledgements
        if (subscribe.group === undefined) await (client as Redis).xgroup('DESTROY', key, group).catch(() => {});
        // Leave no consumer behind in the group, unless it still holds messages (claimed later by the others).
        else await removeConsumers(reader, key, group, { only: consumerName, idleMs: 0 }).catch(() => {});
        reader.disconnect();
        subscriptions.delete(subscription);
      },
    };
    subscriptions.add(subscription);
    return subscription;
  }

  /** Reads a whole stream in pages of 1,000 entries, oldest first (administration only: exports, erasures). */
  async function* scan(key: string, operation: string): AsyncGenerator<StreamEntry[]> {
    let start = '-';
    for (;;) {
      const from = start;
      const entries = (await redis.call(operation, () => client.xrange(key, from, '+', 'COUNT', 1_000), 30_000)) as StreamEntry[];
      if (entries.length > 0) yield entries;
      if (entries.length < 1_000) return;
      start = `(${entries[entries.length - 1]![0]}`;
    }
  }

  /** A stream entry of a topic or of its dead letters, as a message, when `match` accepts its payload. */
  function matching<T>(topic: string, entry: StreamEntry, dead: boolean, match: (payload: T) => boolean): BusMessage<T> | undefined {
    const fields = new Map<string, string>();
    for (let i = 0; i + 1 < entry[1].length; i += 2) fields.set(entry[1][i]!, entry[1][i + 1]!);
    const raw = fields.get('p');
    if (raw === undefined) return undefined;
    let payload: T;
    try {
      payload = JSON.parse(raw) as T;
    } catch {
      payload = raw as T;
    }
    if (!match(payload)) return undefined;
    const id = dead ? (fields.get('id') ?? entry[0]) : entry[0];
    return { id, publishedAt: publishedAt(id), topic, payload, deliveries: dead ? Number(fields.get('deliveries') ?? 0) : 0, bytes: Buffer.byteLength(raw) };
  }

  const bus: EventBus = {
    name: REDIS_EVENT_BUS_NAME,
    capabilities: { durable: true, distributed: true, partitions: partitioning.partitions },
    async publish<T>(topic: string, payload: T, publish: PublishOptions = {}) {
      const json = JSON.stringify(payload);
      if (json === undefined) throw new MyContentError('INVALID_INPUT', 'payload must be JSON-serialisable', { source: 'redis', field: 'payload' });
      await checkPartitions(topic);
      const key = streamKey(topic, partitioning.assign(topic, [payload], [publish.key])[0]!);
      return (await redis.call('redis-event-bus.publish', () => client.xadd(key, 'MAXLEN', '~', maxLength, '*', 'p', json)))!;
    },
    async publishBatch<T>(topic: string, payloads: readonly T[], publish: PublishBatchOptions = {}) {
      if (payloads.length === 0) return [];
      await checkPartitions(topic);
      const partitions = partitioning.assign(topic, payloads, publish.keys);
      // One pipeline per partition (its stream has its own cluster slot), in order within each.
      const byPartition = new Map<number, number[]>();
      partitions.forEach((p, i) => {
        const indexes = byPartition.get(p);
        if (indexes) indexes.push(i);
        else byPartition.set(p, [i]);
      });
      return redis.call('redis-event-bus.publishBatch', async () => {
        const ids: string[] = new Array(payloads.length);
        await Promise.all(
          [...byPartition].map(async ([partition, indexes]) => {
            const pipeline = client.pipeline();
            for (const i of indexes) pipeline.xadd(streamKey(topic, partition), 'MAXLEN', '~', maxLength, '*', 'p', JSON.stringify(payloads[i]));
            const results = (await pipeline.exec()) ?? [];
            results.forEach(([error, id], k) => {
              if (error) throw error;
              ids[indexes[k]!] = id as string;
            });
          }),
        );
        return ids;
      }, 30_000);
    },
    subscribe<T>(topic: string, handler: (message: BusMessage<T>) => Promise<void> | void, options: SubscribeOptions = {}) {
      return subscribeBatch<T>(topic, handleEachMessage(handler), { batchSize: 1, ...options });
    },
    subscribeBatch,
    async deadLetters<T>(topic: string) {
      const entries = (await redis.call('redis-event-bus.deadLetters', () => client.xrange(deadKey(topic), '-', '+'), 30_000)) as StreamEntry[];
      return entries.map(([, fields]): DeadLetter<T> => {
        const f = new Map<string, string>();
        for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
        const raw = f.get('p') ?? 'null';
        return {
          message: { id: f.get('id')!, publishedAt: publishedAt(f.get('id')!), topic, payload: JSON.parse(raw) as T, deliveries: Number(f.get('deliveries')), bytes: Buffer.byteLength(raw) },
          error: f.get('error') ?? '',
        };
      });
    },
    async findMessages<T>(topic: string, match: (payload: T) => boolean) {
      // A dead letter is also in the stream while the stream retains it: one message, found once.
      const found = new Map<string, BusMessage<T>>();
      for (const [key, dead] of [...streamKeys(topic).map((k) => [k, false] as const), [deadKey(topic), true] as const]) {
        for await (const entries of scan(key, 'redis-event-bus.findMessages')) {
          for (const entry of entries) {
            const message = matching(topic, entry, dead, match);
            if (message && !found.has(message.id)) found.set(message.id, message);
          }
        }
      }
      return [...found.values()];
    },
    async eraseMessages<T>(topic: string, match: (payload: T) => boolean) {
      const erased = new Set<string>();
      for (const [key, dead] of [...streamKeys(topic).map((k) => [k, false] as const), [deadKey(topic), true] as const]) {
        for await (const entries of scan(key, 'redis-event-bus.eraseMessages')) {
          const hits = entries.map((entry) => [entry[0], matching(topic, entry, dead, match)] as const).filter(([, message]) => message !== undefined);
          if (hits.length === 0) continue;
          // XDEL takes the entry out of the stream; a consumer holding it pending gets nothing back
          // when it claims it (and drops it from its pending list).
          await redis.call('redis-event-bus.eraseMessages', () => client.xdel(key, ...hits.map(([entryId]) => entryId)), 30_000);
          for (const [, message] of hits) erased.add(message!.id);
        }
      }
      return erased.size;
    },
    async close() {
      await Promise.all([...subscriptions].map((s) => s.close()));
    },
  };
  return bus;
}

/**
 * Removes consumers that hold no pending message from a group — `only` this one, or every one idle
 * for longer than `idleMs` `except` this one (consumers killed without closing) — in one script:
 * the check and the removal are atomic, so a consumer that just read messages is never removed
 * with them. A live consumer removed while idle is recreated by its next read.
 */
const REMOVE_CONSUMERS = `
local removed = 0
for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local info = {}
  for i = 1, #consumer, 2 do info[consumer[i]] = consumer[i + 1] end
  local match = (ARGV[2] ~= '' and info['name'] == ARGV[2]) or (ARGV[2] == '' and info['name'] ~= ARGV[3])
  if match and info['pending'] == 0 and info['idle'] >= tonumber(ARGV[4]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info['name'])
    removed = removed + 1
  end
end
return removed`;

async function removeConsumers(conn: Redis, key: string, group: string, which: { only?: string; except?: string; idleMs: number }): Promise<number> {
  return (await conn.eval(REMOVE_CONSUMERS, 1, key, group, which.only ?? '', which.except ?? '', which.idleMs)) as number;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
