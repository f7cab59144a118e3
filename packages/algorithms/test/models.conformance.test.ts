import { createExactVectorIndex } from '@mycontent/adapters/memory';
import {
  createAlsModel,
  createBprModel,
  createContentModel,
  createEaseModel,
  createItemKnnModel,
  createPopularityModel,
  createRecentPopularityModel,
  createSequentialRulesModel,
  createSessionKnnModel,
  createSvdppModel,
  createGru4RecModel,
  createSasRecModel,
  createNcfModel,
} from '@mycontent/algorithms';
import { describeModelConformance } from '@mycontent/algorithms/testing';

// Every model we ship passes the one suite third-party models run.
describeModelConformance('popularity (all time)', () => createPopularityModel({ halfLifeMs: Number.POSITIVE_INFINITY, rerankIntervalMs: 0 }));
describeModelConformance('popularity (trending)', () => createPopularityModel({ halfLifeMs: 6 * 3_600_000, rerankIntervalMs: 0 }));
describeModelConformance('item-kNN (cosine)', () => createItemKnnModel({ similarity: 'cosine' }));
describeModelConformance('item-kNN (BM25)', () => createItemKnnModel({ similarity: 'bm25' }));
describeModelConformance('ALS', () => createAlsModel({ factors: 8, iterations: 4, seed: 3, workers: 1 }), { learnsNewItems: false });
describeModelConformance('BPR', () => createBprModel({ factors: 8, epochs: 3, seed: 3 }));
describeModelConformance('EASE', () => createEaseModel({ workers: 1 }));
describeModelConformance('SVD++', () => createSvdppModel({ factors: 4, epochs: 3, seed: 3 }), { ratings: true });
describeModelConformance('content', () => createContentModel({ index: (dimension) => createExactVectorIndex({ dimension }) }), { embeddings: 8 });
describeModelConformance('sequential rules', () => createSequentialRulesModel());
describeModelConformance('V-SkNN', () => createSessionKnnModel({ variant: 'vsknn' }));
describeModelConformance('S-kNN', () => createSessionKnnModel({ variant: 'sknn' }));
describeModelConformance('STAN', () => createSessionKnnModel({ variant: 'stan' }));
describeModelConformance('V-STAN', () => createSessionKnnModel({ variant: 'vstan' }));
describeModelConformance('recent popularity', () => createRecentPopularityModel());
describeModelConformance('GRU4Rec', () => createGru4RecModel({ hidden: 16, epochs: 3, negatives: 16, batchSize: 8, learningRate: 0.01, seed: 3 }));
describeModelConformance('SASRec', () => createSasRecModel({ dimensions: 16, epochs: 3, negatives: 16, batchSize: 8, learningRate: 0.01, seed: 3 }));
describeModelConformance('NCF', () => createNcfModel({ gmfFactors: 8, mlpFactors: 8, layers: [16, 8], epochs: 3, batchSize: 32, seed: 3 }));
