import { afterAll, describe, expect, it } from 'vitest';
import { createNatsEventBus } from '@mycontent/adapters/nats';
import { describeEventBusConformance } from '@mycontent/adapters/testing';
import { natsCrashedConsumer, natsFixture } from './servers';

const server = await natsFixture('conformance');
afterAll(async () => server.connection && (await server.drop()));
const ACK_WAIT_MS = 300;
const bus = () => createNatsEventBus({ connection: server.connection!, prefix: server.prefix!, ackWaitMs: ACK_WAIT_MS, retryDelayMs: 20, pullWaitMs: 1_000 });

describeEventBusConformance('nats jetstream', bus, {
  skip: server.skip,
  reclaimAfterMs: ACK_WAIT_MS,
  crashedConsumer: (topic, group, count) => natsCrashedConsumer(server.connection!, server.prefix!, ACK_WAIT_MS)(topic, group, count),
});
describeEventBusConformance('nats jetstream, 4 partitions', () => createNatsEventBus({ connection: server.connection!, prefix: server.prefix!, ackWaitMs: ACK_WAIT_MS, retryDelayMs: 20, pullWaitMs: 1_000, partitions: 4 }), {
  skip: server.skip,
  reclaimAfterMs: ACK_WAIT_MS,
});

describe.skipIf(server.skip)('nats jetstream event bus: options and input', () => {
  it('names the field of a bad option or topic', async () => {
    const connection = server.connection!;
    expect(() => createNatsEventBus({ connection, replicas: 0 })).toThrow(/replicas must be an integer from 1 to 5, got 0/);
    expect(() => createNatsEventBus({ connection, prefix: 'a.b' })).toThrow(/prefix must be letters, digits, _ or -, got "a.b"/);
    await expect(bus().publish('a.b', {})).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'topic' });
    expect(() => createNatsEventBus({ connection, partitions: 0 })).toThrow(/partitions must be an integer from 1 to 4096, got 0/);
  });

  it('refuses a topic made with another partition count', async () => {
    const connection = server.connection!;
    const topic = `counted-${Date.now()}`;
    await createNatsEventBus({ connection, prefix: server.prefix!, partitions: 4 }).publish(topic, { userId: 'u' });
    await expect(createNatsEventBus({ connection, prefix: server.prefix!, partitions: 2 }).publish(topic, { userId: 'u' })).rejects.toMatchObject({ code: 'INVALID_CONFIG', field: 'partitions' });
    await expect(createNatsEventBus({ connection, prefix: server.prefix! }).subscribe(topic, () => {})).rejects.toMatchObject({ code: 'INVALID_CONFIG', field: 'partitions' });
  });
});
