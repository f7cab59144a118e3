import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryAssignmentStore, createMemoryExposureStore,
  createExactVectorIndex,
  createMemoryCache,
  createMemoryEventBus,
  createMemoryLeaseStore,
  createMemoryModelRegistry,
  createMemoryStore,
} from '@mycontent/adapters/memory';
import { createFileModelRegistry } from '@mycontent/adapters/fs';
import {
  describeCacheConformance,
  describeEventBusConformance,
  describeAssignmentStoreConformance,
  describeExposureStoreConformance,
  describeLeaseStoreConformance,
  describeModelRegistryConformance,
  describeStoreConformance,
  describeVectorIndexConformance,
} from '@mycontent/adapters/testing';

describeStoreConformance('memory', () => createMemoryStore());
describeCacheConformance('memory', () => createMemoryCache());
describeVectorIndexConformance('exact', (dimension, metric) => createExactVectorIndex({ dimension, metric }));
describeEventBusConformance('memory', () => createMemoryEventBus());
describeEventBusConformance('memory, 4 partitions', () => createMemoryEventBus({ partitions: 4 }));
const sharedLeases = createMemoryLeaseStore();
describeLeaseStoreConformance('memory', () => sharedLeases);
describeModelRegistryConformance('memory', () => createMemoryModelRegistry());
describeAssignmentStoreConformance('memory', () => createMemoryAssignmentStore());
describeExposureStoreConformance('memory', () => createMemoryExposureStore());

const root = await mkdtemp(join(tmpdir(), 'mycontent-registry-'));
let run = 0;
describeModelRegistryConformance('file', () => createFileModelRegistry({ directory: join(root, `run-${run++}`) }), {
  cleanup: () => rm(root, { recursive: true, force: true }),
});
