/**
 * @mycontent/adapters/nats — the event bus on NATS JetStream (`@nats-io/jetstream`, optional peer).
 *
 * @packageDocumentation
 * @module @mycontent/adapters/nats
 */
export { createNatsEventBus, NATS_EVENT_BUS_NAME } from './event-bus';
export type { NatsEventBusOptions } from './event-bus';
