/**
 * @mycontent/adapters/memory — in-process adapters for every port.
 *
 * @packageDocumentation
 * @module @mycontent/adapters/memory
 */
export { createMemoryStore, MEMORY_STORE_NAME } from './store';
export type { MemoryStoreOptions } from './store';
export { createMemoryCache, MEMORY_CACHE_NAME } from './cache';
export type { MemoryCacheOptions } from './cache';
export { createExactVectorIndex, EXACT_VECTOR_INDEX_NAME } from './vector-index';
export type { ExactVectorIndexOptions } from './vector-index';
export { createMemoryEventBus, MEMORY_EVENT_BUS_NAME } from './event-bus';
export type { MemoryEventBusOptions } from './event-bus';
export { createMemoryModelRegistry, MEMORY_MODEL_REGISTRY_NAME } from './model-registry';
export { createMemoryAssignmentStore, MEMORY_ASSIGNMENT_STORE_NAME } from './assignment-store';
export { createMemoryExposureStore, MEMORY_EXPOSURE_STORE_NAME } from './exposure-store';
export { createMemoryLeaseStore, MEMORY_LEASE_STORE_NAME } from './lease-store';
export type { MemoryLeaseStoreOptions } from './lease-store';
