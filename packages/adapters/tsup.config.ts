import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'memory/index': 'src/memory/index.ts',
    'fs/index': 'src/fs/index.ts',
    'testing/index': 'src/testing/index.ts',
    'hnsw/index': 'src/hnsw/index.ts',
    'postgres/index': 'src/postgres/index.ts',
    'redis/index': 'src/redis/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  external: ['vitest', '@mycontent/core', 'hnswlib-node', 'pg', 'ioredis', '@electric-sql/pglite'],
  // import.meta.url (used to resolve hnswlib-node for the build worker) in the CommonJS build.
  shims: true,
});
