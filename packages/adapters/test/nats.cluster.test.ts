/**
 * The NATS event bus on a three-node JetStream cluster started for the test: a stream replicated
 * on the three nodes keeps every message, and the consumers keep going, when the node leading the
 * stream is killed mid-stream; publishing goes on through the election, each message stored once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { createNatsEventBus } from '@mycontent/adapters/nats';
import { CI, hasBinary, startNatsCluster } from './servers';

const binary = await hasBinary('nats-server');
if (!binary && CI) throw new Error('a CI run requires nats-server for the NATS cluster test');
const skip = binary ? undefined : 'no nats-server binary on PATH';
if (skip) console.warn(`[adapters tests] skipping the NATS cluster test: ${skip}`);
const cluster = binary ? await startNatsCluster() : undefined;
const connections: NatsConnection[] = [];
afterAll(async () => {
  for (const c of connections) await c.close().catch(() => undefined);
  await cluster?.stop();
});

describe.skipIf(skip)('nats jetstream event bus on a three-node cluster', () => {
  it('loses no message of a replicated stream, and fails no publish, when the stream leader is killed mid-stream', async () => {
    const open = async () => {
      const connection = await connect({ servers: cluster!.urls, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
      connections.push(connection);
      return connection;
    };
    const publisher = createNatsEventBus({ connection: await open(), prefix: 'r3', replicas: 3 });
    const worker = createNatsEventBus({ connection: await open(), prefix: 'r3', replicas: 3, ackWaitMs: 2_000, pullWaitMs: 1_000 });
    const TOTAL = 2_000;
    const seen = new Map<number, number>();
    // The worker takes its time (20 ms a batch of 50): the kill lands while it is consuming.
    await worker.subscribeBatch<{ n: number }>('events', async (messages) => {
      await new Promise((r) => setTimeout(r, 20));
      for (const m of messages) seen.set(m.payload.n, (seen.get(m.payload.n) ?? 0) + 1);
    }, { group: 'workers', batchSize: 50, startFrom: 'earliest' });

    const manager = await jetstreamManager(connections[0]!);
    // The bus itself publishes through the election (retries with message ids): no call fails.
    const publish = async (from: number, to: number) => {
      for (let n = from; n < to; n += 100) await publisher.publishBatch('events', Array.from({ length: Math.min(100, to - n) }, (_, k) => ({ n: n + k })));
    };
    await publish(0, TOTAL / 2);
    const info = await manager.streams.info('r3_events');
    expect(info.config.num_replicas).toBe(3);
    expect(info.cluster?.replicas?.length).toBe(2);
    const leader = Number(info.cluster!.leader!.slice(1)); // servers are named n0, n1, n2
    while (seen.size < TOTAL / 4) await new Promise((r) => setTimeout(r, 5));
    const appliedAtKill = seen.size;
    await cluster!.kill(leader);
    await publish(TOTAL / 2, TOTAL);

    const deadline = Date.now() + 60_000;
    while (seen.size < TOTAL && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const duplicates = [...seen.values()].filter((count) => count > 1).length;
    console.log(`nats cluster: stream leader n${leader} killed with ${appliedAtKill}/${TOTAL / 2} published messages applied; ${seen.size}/${TOTAL} applied in the end, ${duplicates} more than once`);
    expect(appliedAtKill).toBeLessThan(TOTAL / 2);
    expect(seen.size).toBe(TOTAL);
    // …and its retries stored each message once.
    expect((await manager.streams.info('r3_events').catch(async () => (await jetstreamManager(connections[1]!)).streams.info('r3_events'))).state.messages).toBe(TOTAL);
    await worker.close();
    await publisher.close();
  }, 120_000);
});
