import { defineConfig } from 'tsup';

const shared = {
  dts: true,
  sourcemap: true,
  target: 'node20',
  external: ['vitest', '@mycontent/core', 'hnswlib-node', 'pg', 'ioredis', '@electric-sql/pglite', '@nats-io/jetstream', '@nats-io/nats-core', '@duckdb/node-api'],
  // import.meta.url (used to resolve hnswlib-node for the build worker) in the CommonJS build.
  shims: true,
} as const;

export default defineConfig([
  {
    ...shared,
    entry: {
      index: 'src/index.ts',
      'memory/index': 'src/memory/index.ts',
      'fs/index': 'src/fs/index.ts',
      'hnsw/index': 'src/hnsw/index.ts',
      'postgres/index': 'src/postgres/index.ts',
      'redis/index': 'src/redis/index.ts',
      'nats/index': 'src/nats/index.ts',
      'duckdb/index': 'src/duckdb/index.ts',
    },
    format: ['esm', 'cjs'],
  },
  // The conformance suites are ESM only, as vitest is (it cannot be required).
  { ...shared, entry: { 'testing/index': 'src/testing/index.ts' }, format: ['esm'] },
]);
