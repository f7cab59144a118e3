/**
 * @mycontent/adapters/duckdb — the data lake of raw interactions: Parquet partitioned by hour,
 * written and scanned with DuckDB (`@duckdb/node-api`, optional peer), filled from the event stream.
 *
 * @packageDocumentation
 * @module @mycontent/adapters/duckdb
 */
export { createParquetLake, createLakeExporter } from './parquet-lake';
export type { InteractionLake, ParquetLakeOptions, LakeExporterOptions } from './parquet-lake';
