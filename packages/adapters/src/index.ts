/**
 * @mycontent/adapters — the dependency-free adapters. Adapters with heavy or native dependencies
 *
 * @packageDocumentation
 * @module @mycontent/adapters
 */
// live behind their own subpath (`@mycontent/adapters/<name>`) so importing this never loads them.
export * from './memory/index';
export * from './fs/index';
