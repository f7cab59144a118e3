/** The event bus of the worker and the publisher: Redis Streams, or NATS JetStream when `nats` names servers. */
import type { RedisClient } from '@mycontent/adapters/redis';
import type { EventBus } from '@mycontent/core';
import { createRedisEventBus } from '@mycontent/adapters/redis';
import { createNatsEventBus } from '@mycontent/adapters/nats';
import { connect } from '@nats-io/transport-node';

export async function openEventBus(options: {
  redis: RedisClient;
  prefix: string;
  claimIdleMs?: number;
  nats?: string | undefined;
  natsReplicas?: number;
  /** Partitions of each topic (every process of the deployment uses the same). */
  partitions?: number;
}): Promise<{ bus: EventBus; close(): Promise<void> }> {
  const partitions = options.partitions ?? 1;
  if (!options.nats) {
    return { bus: createRedisEventBus({ client: options.redis, prefix: options.prefix, partitions, ...(options.claimIdleMs ? { claimIdleMs: options.claimIdleMs } : {}) }), close: async () => {} };
  }
  const connection = await connect({ servers: options.nats.split(','), maxReconnectAttempts: -1 });
  const bus = createNatsEventBus({
    connection,
    // NATS names take letters, digits, _ and -: the Redis prefix without the rest (`mc:` is `mc`).
    prefix: options.prefix.replace(/[^A-Za-z0-9_-]/g, '') || 'mycontent',
    replicas: options.natsReplicas ?? 1,
    partitions,
    ...(options.claimIdleMs ? { ackWaitMs: options.claimIdleMs } : {}),
  });
  return { bus, close: () => connection.close() };
}
