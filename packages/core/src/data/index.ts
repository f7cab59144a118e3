/**
 * @mycontent/core/data — reading interaction logs and catalogues (Globo.com, MovieLens, CSV/JSONL,
 * `.npy`), columnar interaction tables, and the seeded synthetic generators.
 *
 * @packageDocumentation
 * @module @mycontent/core/data
 */

// Interaction tables
export { InteractionTableBuilder, tableRow, tableBatches, tableToDataset, concatTables, selectTableRows } from './interaction-table';
export type { InteractionTable, TableRow } from './interaction-table';

// Loaders
export { readLineBatches, readCsvBatches, splitCsvLine } from './lines';
export type { NumberedLine, CsvRecord } from './lines';
export { readNpyMatrix, writeNpyMatrix, matrixRow } from './npy';
export type { EmbeddingMatrix } from './npy';
export {
  loadGloboDataset,
  readGloboArticles,
  readGloboClicks,
  readGloboClickTable,
  listGloboClickFiles,
  GLOBO_ARTICLE_COLUMNS,
  GLOBO_CLICK_COLUMNS,
} from './globo';
export type { GloboDataset, GloboLoadOptions } from './globo';
export { loadMovieLens } from './movielens';
export type { MovieLensDataset } from './movielens';
export { loadInteractionsFile } from './tabular';
export type { TabularLoadOptions } from './tabular';

// Seeded randomness and the synthetic generators
export { createRandom, createAliasSampler } from './random';
export type { Random } from './random';
export { generateSyntheticNews, writeGloboDataset, SYNTHETIC_SCALES } from './synthetic';
export type { SyntheticNews, SyntheticNewsConfig, SyntheticNewsOptions, SyntheticScale } from './synthetic';
export { generateSyntheticRatings, writeMovieLensDataset, MOVIELENS_100K_SHAPE, MOVIELENS_1M_SHAPE } from './synthetic-ratings';
export type { SyntheticRatings, SyntheticRatingsConfig } from './synthetic-ratings';
