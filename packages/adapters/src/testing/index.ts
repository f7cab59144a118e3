/**
 * @mycontent/adapters/testing — the conformance suites every adapter passes (vitest).
 *
 * @packageDocumentation
 * @module @mycontent/adapters/testing
 */
export { describeStoreConformance, describeItemStoreConformance, describeProfileStoreConformance } from './store';
export type { StoreParts } from './store';
export { describeItemStatsConformance } from './item-stats';
export { describeCacheConformance } from './cache';
export { describeVectorIndexConformance } from './vector-index';
export { describeEventBusConformance } from './event-bus';
export { describeModelRegistryConformance } from './model-registry';
export { describeAssignmentStoreConformance } from './assignment-store';
export { describeExposureStoreConformance } from './exposure-store';
export { describeLeaseStoreConformance } from './lease-store';
export { ODD_IDS } from './shared';
export type { ConformanceOptions } from './shared';
export type { EventBusConformanceOptions } from './event-bus';
