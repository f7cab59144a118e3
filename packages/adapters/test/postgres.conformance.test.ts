import { afterAll } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { createPostgresAssignmentStore, createPostgresExposureStore, createPostgresModelRegistry, createPostgresStore } from '@mycontent/adapters/postgres';
import { describeAssignmentStoreConformance, describeExposureStoreConformance, describeModelRegistryConformance, describeStoreConformance } from '@mycontent/adapters/testing';
import { postgresFixture } from './servers';

// A real PostgreSQL server.
const server = await postgresFixture('conformance');
afterAll(async () => server.pool && (await server.drop()));
describeStoreConformance('postgres (pg server)', () => createPostgresStore({ pool: server.pool!, schema: server.schema! }), { skip: server.skip });
describeAssignmentStoreConformance(
  'postgres (pg server)',
  async () => {
    const store = createPostgresAssignmentStore({ pool: server.pool!, schema: server.schema! });
    await store.get('warm-up'); // runs the migrations
    await server.pool!.query(`TRUNCATE "${server.schema}".experiment_assignments`);
    return store;
  },
  { skip: server.skip },
);
describeExposureStoreConformance(
  'postgres (pg server)',
  async () => {
    const store = createPostgresExposureStore({ pool: server.pool!, schema: server.schema! });
    await store.get('warm-up'); // runs the migrations
    await server.pool!.query(`TRUNCATE "${server.schema}".exposures`);
    return store;
  },
  { skip: server.skip },
);
describeModelRegistryConformance(
  'postgres (pg server)',
  async () => {
    const registry = createPostgresModelRegistry({ pool: server.pool!, schema: server.schema! });
    await registry.list('warm-up'); // runs the migrations
    await server.pool!.query(`TRUNCATE "${server.schema}".models`);
    return registry;
  },
  { skip: server.skip },
);

// The same SQL, embedded: runs everywhere, no server.
const pglite = new PGlite();
afterAll(() => pglite.close());
describeStoreConformance('postgres (PGlite)', () => createPostgresStore({ pglite }));
describeAssignmentStoreConformance('postgres (PGlite)', async () => {
  const store = createPostgresAssignmentStore({ pglite });
  await store.get('warm-up'); // runs the migrations
  await pglite.query(`TRUNCATE mycontent.experiment_assignments`);
  return store;
});
describeExposureStoreConformance('postgres (PGlite)', async () => {
  const store = createPostgresExposureStore({ pglite });
  await store.get('warm-up'); // runs the migrations
  await pglite.query(`TRUNCATE mycontent.exposures`);
  return store;
});
describeModelRegistryConformance('postgres (PGlite)', async () => {
  const registry = createPostgresModelRegistry({ pglite });
  await registry.list('warm-up');
  await pglite.query(`TRUNCATE mycontent.models`);
  return registry;
});
