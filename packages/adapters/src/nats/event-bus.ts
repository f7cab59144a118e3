import { randomBytes } from 'node:crypto';
import type { NatsConnection } from '@nats-io/nats-core';
import type { AckPolicy, DeliverPolicy, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
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

/** Name of the NATS JetStream event bus adapter. */
export const NATS_EVENT_BUS_NAME = 'nats-jetstream-event-bus';

/** Options of {@link createNatsEventBus}. */
export interface NatsEventBusOptions extends PartitioningOptions {
  /** An open NATS connection (`connect()` of `@nats-io/transport-node`); closing it is the host's. */
  connection: NatsConnection;
  /** Prefix of stream names and subjects, so that several deployments share a server. @default 'mycontent' */
  prefix?: string;
  /** Replicas of each stream (3 on a three-node cluster survives the loss of one). @default 1 */
  replicas?: number;
  /** Messages kept per topic stream, the oldest dropped first. @default 1_000_000 */
  maxMessages?: number;
  /**
   * A message delivered and not acknowledged within this time (its consumer crashed or hangs)
   * goes to another consumer of the group. A handler still working keeps its messages (the bus
   * tells the server so every `ackWaitMs / 3`). @default 30_000
   */
  ackWaitMs?: number;
  /** First retry delay of a failed message, doubled per delivery (at most 5 s). @default 100 */
  retryDelayMs?: number;
  /** How long one pull request lives before the next (at least 1,000). @default 5_000 */
  pullWaitMs?: number;
  /**
   * How long a publish keeps trying while the stream cannot take it — its leader died and the
   * others are electing a new one (several seconds) —, with backoff. Each message carries an id
   * the stream deduplicates on, so a retry never stores a message twice. @default 15_000
   */
  publishRetryMs?: number;
}

const MAX_RETRY_DELAY_MS = 5_000;
const DEAD_ERROR = 'Mycontent-Error';

/**
 * The event bus on NATS JetStream. One stream per topic, `<prefix>_<topic>` on the subject
 * `<prefix>.<topic>`, replicated `replicas` times; each group is a durable pull consumer with
 * explicit acknowledgements, so the workers of a group share the messages and every group gets
 * all of them; a message is acknowledged only after its handler resolved; a failed message is
 * redelivered after a delay doubling per delivery (`nak`) and, past `maxDeliveries`, published to
 * the topic's dead-letter stream (`<prefix>.<topic>.dead`) with the error, then terminated.
 * Messages a crashed consumer held go to another after `ackWaitMs`.
 *
 * With `partitions`, the topic's stream takes the subjects `<prefix>.<topic>.p.<n>` (its
 * description records the count: a bus configured with another count is refused), and a group
 * has one durable consumer per partition, `<group>__p<n>`, filtered on its subject — so the
 * consumer of a partition, with its acknowledgements, can move from one process to another.
 *
 * Released messages are redelivered without counting the release as a delivery in the process
 * that released them; another process sees the server's count, releases included. A publish the
 * stream cannot take (its leader is being elected) is tried again for `publishRetryMs`, each
 * message with an id the stream deduplicates on.
 *
 * @example
 * ```ts
 * import { connect } from '@nats-io/transport-node';
 * const connection = await connect({ servers: '127.0.0.1:4222' });
 * const bus = createNatsEventBus({ connection, replicas: 3 });
 * await bus.subscribeBatch('interactions', async (messages) => {
 *   await recommender.ingestInteractions(messages.map((m) => m.payload));
 * }, { group: 'profile-updater', batchSize: 500 });
 * ```
 */
export function createNatsEventBus(options: NatsEventBusOptions): EventBus {
  const { connection } = options;
  const prefix = options.prefix ?? 'mycontent';
  const replicas = options.replicas ?? 1;
  const ackWaitMs = options.ackWaitMs ?? 30_000;
  const retryDelayMs = options.retryDelayMs ?? 100;
  const pullWaitMs = options.pullWaitMs ?? 5_000;
  const maxMessages = options.maxMessages ?? 1_000_000;
  const publishRetryMs = options.publishRetryMs ?? 15_000;
  const check = (ok: boolean, field: string, value: unknown, why: string) => {
    if (!ok) throw new MyContentError('INVALID_CONFIG', `${field} ${why}, got ${JSON.stringify(value)}`, { source: 'nats', field, value });
  };
  check(/^[A-Za-z0-9_-]+$/.test(prefix), 'prefix', prefix, 'must be letters, digits, _ or -');
  check(Number.isInteger(replicas) && replicas >= 1 && replicas <= 5, 'replicas', replicas, 'must be an integer from 1 to 5');
  check(ackWaitMs >= 100, 'ackWaitMs', ackWaitMs, 'must be at least 100');
  check(retryDelayMs >= 0, 'retryDelayMs', retryDelayMs, 'must not be negative');
  check(pullWaitMs >= 1_000, 'pullWaitMs', pullWaitMs, 'must be at least 1000');
  check(publishRetryMs >= 0, 'publishRetryMs', publishRetryMs, 'must not be negative');

  // The NATS client libraries are optional peers, loaded on first use: the entry point loads without them.
  let libraries: Promise<[typeof import('@nats-io/jetstream'), typeof import('@nats-io/nats-core')]> | undefined;
  const nats = () =>
    (libraries ??= Promise.all([import('@nats-io/jetstream'), import('@nats-io/nats-core')]).catch((error: unknown) => {
      libraries = undefined;
      throw new MyContentError('UNSUPPORTED', 'the NATS event bus needs @nats-io/jetstream and @nats-io/transport-node: npm install @nats-io/jetstream @nats-io/transport-node', { source: 'nats', cause: error });
    }));
  let client: Promise<JetStreamClient> | undefined;
  const jetstreamClient = () => (client ??= nats().then(([{ jetstream }]) => jetstream(connection)));
  let manager: Promise<JetStreamManager> | undefined;
  const jsm = () => (manager ??= nats().then(([{ jetstreamManager }]) => jetstreamManager(connection)));
  const partitioning = resolvePartitioning('nats', options);
  const partitioned = partitioning.partitions > 1;
  const subscriptions = new Set<Subscription>();
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();

  /** Topic names become subject tokens and stream names: letters, digits, `-` and `_` only. */
  const checkTopic = (topic: string) => {
    if (!/^[A-Za-z0-9_-]{1,200}$/.test(topic)) {
      throw new MyContentError('INVALID_INPUT', `topic must be 1 to 200 letters, digits, _ or -, got ${JSON.stringify(topic)}`, { source: 'nats', field: 'topic', value: topic });
    }
  };
  const streamOf = (topic: string) => `${prefix}_${topic}`;
  /** The subject of a topic's partition. */
  const subjectOf = (topic: string, partition: number) => (partitioned ? `${prefix}.${topic}.p.${partition}` : `${prefix}.${topic}`);
  const streamSubjectOf = (topic: string) => (partitioned ? `${prefix}.${topic}.p.*` : `${prefix}.${topic}`);
  const description = `mycontent event bus: partitions=${partitioning.partitions}`;
  const deadStreamOf = (topic: string) => `${prefix}_${topic}_dead`;
  const deadSubjectOf = (topic: string) => `${prefix}.${topic}.dead`;

  const ensured = new Map<string, Promise<void>>();
  /**
   * Creates a stream once per process (an existing one is kept as it is); a topic's stream made
   * with another partition count is refused.
   */
  const ensureStream = (name: string, subject: string, max: number, topic?: string) => {
    let done = ensured.get(name);
    if (!done) {
      done = (async () => {
        const m = await jsm();
        let config: { subjects?: string[]; description?: string } | undefined;
        try {
          config = (await m.streams.info(name)).config;
        } catch (error) {
          if (!isNotFound(error)) throw backend(`stream ${name}`, error);
          try {
            await m.streams.add({ name, subjects: [subject], num_replicas: replicas, max_msgs: max, ...(topic ? { description } : {}) });
            return;
          } catch (raced) {
            // Another process created it in the meantime.
            config = await m.streams.info(name).then((info) => info.config, () => undefined);
            if (!config) throw backend(`stream ${name}`, raced);
          }
        }
        // A topic stream made before partitions existed has no description: it has one partition.
        const same = config.description ? config.description === description : config.subjects?.includes(subject);
        if (topic !== undefined && !same) {
          throw new MyContentError('INVALID_CONFIG', `topic ${topic} was made with another partition count (stream ${name}: ${JSON.stringify(config.description ?? config.subjects)}); this bus has ${partitioning.partitions}`, {
            source: 'nats',
            field: 'partitions',
            value: partitioning.partitions,
          });
        }
      })();
      done.catch(() => ensured.delete(name));
      ensured.set(name, done);
    }
    return done;
  };
  const ensureTopic = (topic: string) => Promise.all([ensureStream(streamOf(topic), streamSubjectOf(topic), maxMessages, topic), ensureStream(deadStreamOf(topic), deadSubjectOf(topic), 100_000)]);

  const busMessage = <T>(topic: string, m: JsMsg, released: number): BusMessage<T> => ({
    id: String(m.seq),
    publishedAt: Math.floor(Number(m.info.timestampNanos) / 1_000_000),
    topic,
    payload: JSON.parse(decoder.decode(m.data)) as T,
    deliveries: Math.max(1, m.info.deliveryCount - released),
    bytes: m.data.length,
  });

  async function publishBatch<T>(topic: string, payloads: readonly T[], publish: PublishBatchOptions = {}): Promise<string[]> {
    checkTopic(topic);
    await ensureTopic(topic);
    const partitions = partitioning.assign(topic, payloads, publish.keys);
    const js = await jetstreamClient();
    const messages = payloads.map((payload, i) => ({ subject: subjectOf(topic, partitions[i]!), data: encoder.encode(JSON.stringify(payload)), msgID: randomBytes(12).toString('hex') }));
    const ids: string[] = new Array(messages.length);
    // Published in order, acknowledged together; those refused (no stream leader for a moment)
    // are published again, in order, with their ids: the stream keeps one copy of each.
    let waiting = messages.map((_, i) => i);
    const deadline = Date.now() + publishRetryMs;
    for (let delay = 100; ; delay = Math.min(1_000, delay * 2)) {
      const results = await Promise.allSettled(waiting.map((i) => js.publish(messages[i]!.subject, messages[i]!.data, { msgID: messages[i]!.msgID })));
      const failed: number[] = [];
      let lastError: unknown;
      results.forEach((result, k) => {
        if (result.status === 'fulfilled') ids[waiting[k]!] = String(result.value.seq);
        else {
          failed.push(waiting[k]!);
          lastError = result.reason;
        }
      });
      if (failed.length === 0) return ids;
      if (Date.now() + delay > deadline) throw backend(`publish to ${topic}`, lastError);
      await sleep(delay);
      waiting = failed;
    }
  }

  async function subscribeBatch<T>(topic: string, handler: BatchHandler<T>, opts: SubscribeOptions = {}): Promise<Subscription> {
    checkTopic(topic);
    const maxDeliveries = opts.maxDeliveries ?? 5;
    const batchSize = opts.batchSize ?? 100;
    if (!(Number.isInteger(maxDeliveries) && maxDeliveries >= 1)) throw new MyContentError('INVALID_INPUT', `maxDeliveries must be a positive integer, got ${maxDeliveries}`, { source: 'nats', field: 'maxDeliveries', value: maxDeliveries });
    if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new MyContentError('INVALID_INPUT', `batchSize must be a positive integer, got ${batchSize}`, { source: 'nats', field: 'batchSize', value: batchSize });
    const partitions = partitioning.consumed(opts.partitions);
    await ensureTopic(topic);
    const own = opts.group === undefined;
    const group = opts.group ?? `sub-${randomBytes(6).toString('hex')}`;
    if (!/^[A-Za-z0-9_-]{1,200}$/.test(group)) throw new MyContentError('INVALID_INPUT', `group must be letters, digits, _ or -, got ${JSON.stringify(group)}`, { source: 'nats', field: 'group', value: group });
    const parts = await Promise.all(
      partitions.map((p) => consumeWith(topic, partitioned ? `${group}__p${p}` : group, subjectOf(topic, p), own, handler, { ...opts, maxDeliveries, batchSize })),
    );
    return {
      async close() {
        await Promise.all(parts.map((part) => part.close()));
      },
    };
  }

  /** Runs one durable consumer of the topic's stream (the group's, or the group's for one partition). */
  async function consumeWith<T>(
    topic: string,
    group: string,
    subject: string,
    own: boolean,
    handler: BatchHandler<T>,
    opts: SubscribeOptions & { maxDeliveries: number; batchSize: number },
  ): Promise<Subscription> {
    const { maxDeliveries, batchSize } = opts;
    const stream = streamOf(topic);
    await ensureConsumer(stream, group, opts.startFrom ?? 'latest', own, partitioned ? subject : undefined);
    const consumer = await (await jetstreamClient()).consumers.get(stream, group);

    // Releases per message seen by this process, so that a release is not counted as a delivery.
    const released = new Map<number, number>();
    let closed = false;
    let stopped!: () => void;
    const done = new Promise<void>((resolve) => (stopped = resolve));

    // A continuous pull fills `queue` (at most a batch ahead); batches are taken from it as soon
    // as messages are there, so a lone message is not kept waiting for a full batch.
    const queue: JsMsg[] = [];
    let wake: (() => void) | undefined;
    const arrived = () => {
      wake?.();
      wake = undefined;
    };
    let pull: Awaited<ReturnType<typeof consumer.consume>> | undefined;
    const pump = async () => {
      while (!closed) {
        try {
          pull = await consumer.consume({ max_messages: batchSize, expires: pullWaitMs });
          for await (const m of pull) {
            queue.push(m);
            arrived();
          }
        } catch {
          // The server restarts, or the consumer is recreated: pull again.
        }
        if (!closed) await sleep(100);
      }
    };
    const loop = async () => {
      while (!closed) {
        if (queue.length === 0) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, pullWaitMs);
          });
          continue;
        }
        await new Promise((resolve) => setImmediate(resolve)); // the rest of a burst lands
        await handle(queue.splice(0, batchSize));
      }
      stopped();
    };

    async function handle(batch: JsMsg[]): Promise<void> {
      const messages = batch.map((m) => busMessage<T>(topic, m, released.get(m.seq) ?? 0));
      // Tell the server the handler is still on them, and on those queued behind: no other
      // consumer takes them over.
      const keepAlive = setInterval(() => {
        for (const m of batch) m.working();
        for (const m of queue) m.working();
      }, Math.max(50, Math.floor(ackWaitMs / 3)));
      let failed = new Map<string, unknown>();
      let releasedIds = new Set<string>();
      try {
        const outcome = await handler(messages);
        failed = new Map((outcome?.failed ?? []).map((f) => [f.id, f.error]));
        releasedIds = new Set(outcome?.released ?? []);
      } catch (error) {
        failed = new Map(messages.map((m) => [m.id, error]));
      } finally {
        clearInterval(keepAlive);
      }
      for (const [i, m] of batch.entries()) {
        const message = messages[i]!;
        if (releasedIds.has(message.id)) {
          released.set(m.seq, (released.get(m.seq) ?? 0) + 1);
          m.nak(retryDelayMs);
        } else if (failed.has(message.id)) {
          if (message.deliveries >= maxDeliveries) {
            await deadLetter(topic, m, message, failed.get(message.id));
            released.delete(m.seq);
          } else m.nak(Math.min(MAX_RETRY_DELAY_MS, retryDelayMs * 2 ** (message.deliveries - 1)));
        } else {
          m.ack();
          released.delete(m.seq);
        }
      }
    }

    void pump();
    void loop();
    const subscription: Subscription = {
      async close() {
        if (closed) return;
        closed = true;
        arrived();
        await pull?.close().catch(() => undefined);
        await done;
        // Pulled, never handed to the handler: back to the group at once.
        for (const m of queue.splice(0)) m.nak();
        subscriptions.delete(subscription);
        // A subscription's own group goes with it; a named group stays for the next worker.
        if (own) await (await jsm()).consumers.delete(stream, group).catch(() => undefined);
      },
    };
    subscriptions.add(subscription);
    return subscription;
  }

  async function ensureConsumer(stream: string, group: string, startFrom: 'latest' | 'earliest', own: boolean, filter?: string): Promise<void> {
    const m = await jsm();
    try {
      await m.consumers.info(stream, group);
      return; // an existing group resumes where it stopped
    } catch (error) {
      if (!isNotFound(error)) throw backend(`consumer ${group}`, error);
    }
    try {
      await m.consumers.add(stream, {
        durable_name: group,
        ack_policy: 'explicit' as AckPolicy,
        deliver_policy: (startFrom === 'earliest' ? 'all' : 'new') as DeliverPolicy,
        ack_wait: ackWaitMs * 1_000_000,
        max_deliver: -1, // dead-lettering is the bus's, with the error
        ...(filter ? { filter_subject: filter } : {}),
        ...(own ? { inactive_threshold: 60 * 60 * 1_000_000_000 } : {}),
      });
    } catch (error) {
      if (!(await m.consumers.info(stream, group).then(() => true, () => false))) throw backend(`consumer ${group}`, error);
    }
  }

  async function deadLetter(topic: string, m: JsMsg, message: BusMessage, error: unknown): Promise<void> {
    const text = error instanceof Error ? error.message : String(error);
    const record = { id: message.id, publishedAt: message.publishedAt, deliveries: message.deliveries, payload: message.payload };
    const [, { headers }] = await nats();
    const h = headers();
    h.set(DEAD_ERROR, text.replace(/[\r\n]+/g, ' ').slice(0, 1_000));
    await (await jetstreamClient()).publish(deadSubjectOf(topic), encoder.encode(JSON.stringify(record)), { headers: h });
    m.term(text.slice(0, 200));
  }

  return {
    name: NATS_EVENT_BUS_NAME,
    capabilities: { durable: true, distributed: true, partitions: partitioning.partitions },
    async publish(topic, payload, publish: PublishOptions = {}) {
      return (await publishBatch(topic, [payload], { keys: [publish.key] }))[0]!;
    },
    publishBatch,
    subscribeBatch,
    subscribe(topic, handler, opts = {}) {
      return subscribeBatch(topic, handleEachMessage(handler), { ...opts, batchSize: opts.batchSize ?? 1 });
    },
    async deadLetters<T>(topic: string): Promise<DeadLetter<T>[]> {
      checkTopic(topic);
      await ensureTopic(topic);
      const out: DeadLetter<T>[] = [];
      const consumer = await (await jetstreamClient()).consumers.get(deadStreamOf(topic)); // an ordered consumer: a read, no state left behind
      const info = await (await jsm()).streams.info(deadStreamOf(topic));
      let left = info.state.messages;
      while (left > 0) {
        const messages = await consumer.fetch({ max_messages: Math.min(left, 1_000), expires: 1_000 });
        let got = 0;
        for await (const m of messages) {
          got++;
          const record = JSON.parse(decoder.decode(m.data)) as { id: string; publishedAt: number; deliveries: number; payload: T };
          out.push({ message: { id: record.id, publishedAt: record.publishedAt, topic, payload: record.payload, deliveries: record.deliveries }, error: m.headers?.get(DEAD_ERROR) ?? '' });
        }
        if (got === 0) break;
        left -= got;
      }
      return out;
    },
    async close() {
      await Promise.all([...subscriptions].map((s) => s.close()));
    },
  };
}

function isNotFound(error: unknown): boolean {
  const e = error as { code?: unknown; api_error?: { err_code?: number }; message?: string };
  return e?.api_error?.err_code === 10059 || e?.api_error?.err_code === 10014 || /not found/i.test(e?.message ?? '');
}

function backend(what: string, error: unknown): MyContentError {
  return new MyContentError('BACKEND', `nats: ${what} failed: ${(error as Error)?.message ?? String(error)}`, { source: 'nats', cause: error });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
