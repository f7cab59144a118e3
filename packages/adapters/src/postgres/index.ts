/**
 * @mycontent/adapters/postgres — the store and the model registry on PostgreSQL, through a `pg`
 * `Pool` (a server) or a PGlite instance (embedded, no server), with versioned migrations.
 *
 * @packageDocumentation
 * @module @mycontent/adapters/postgres
 */
export { createPostgresStore, POSTGRES_STORE_NAME } from './store';
export type { PostgresStoreOptions } from './store';
export { createPostgresModelRegistry, POSTGRES_MODEL_REGISTRY_NAME } from './model-registry';
export type { PostgresModelRegistryOptions } from './model-registry';
export { createPostgresAssignmentStore, POSTGRES_ASSIGNMENT_STORE_NAME } from './assignment-store';
export type { PostgresAssignmentStoreOptions } from './assignment-store';
export { createPostgresExposureStore, POSTGRES_EXPOSURE_STORE_NAME } from './exposure-store';
export type { PostgresExposureStoreOptions } from './exposure-store';
export { migratePostgres, postgresMigrations } from './migrations';
export type { PostgresMigration, MigrationReport } from './migrations';
export type { PostgresConnection, PgPoolLike, PgPoolClientLike, PgQueryable, PGliteLike } from './sql';
