/**
 * @mycontent/adapters/fs — adapters on the local file system.
 *
 * @packageDocumentation
 * @module @mycontent/adapters/fs
 */
export { createFileModelRegistry, FILE_MODEL_REGISTRY_NAME } from './model-registry';
export type { FileModelRegistryOptions } from './model-registry';
