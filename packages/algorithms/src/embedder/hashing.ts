import { EigenvalueDecomposition, Matrix, QrDecomposition } from 'ml-matrix';
import { MyContentError, type Embedder, type Progress } from '@mycontent/core';
import { createRandom } from '@mycontent/core/data';
import { checkOption } from '../shared/options';

/** Options of {@link createHashingEmbedder}. */
export interface HashingEmbedderOptions {
  /** Output dimension. @default 256 */
  dimension?: number;
  /** Hashed vocabulary size used by `fit` (a power of two is best). @default 16384 */
  hashFeatures?: number;
  /** Documents sampled by `fit` (seeded). @default 20000 */
  maxFitDocuments?: number;
  /** @default 42 */
  seed?: number;
}

/** The embedder returned by {@link createHashingEmbedder}. */
export interface HashingEmbedder extends Embedder {
  /** Learns IDF weights and an LSA projection (randomised SVD) from a corpus. */
  fit(corpus: readonly string[], options?: { onProgress?: (progress: Progress) => void }): Promise<void>;
  /** True once `fit` has run. */
  readonly fitted: boolean;
}

const SOURCE = 'hashing-embedder';
const STOPWORDS = new Set(
  ('a an and are as at be by for from has he in is it its of on or that the to was were will with ' +
    'o os as um uma uns umas de da do das dos e em no na nos nas por para com que se ao aos à às ' +
    'el la los las un una y en del al le les des du et est pour par sur dans')
    .split(' '),
);

/** Lower-cases, strips accents and splits on anything that is not a letter or a digit. */
export function tokenize(text: string): string[] {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length >= 2 && !STOPWORDS.has(t));
}

function fnv1a(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Sparse term counts of a text over `buckets` hashed features (sublinear tf: 1 + ln tf). */
function hashedTerms(text: string, buckets: number, seed: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (const token of tokenize(text)) {
    const b = fnv1a(token, seed) % buckets;
    counts.set(b, (counts.get(b) ?? 0) + 1);
  }
  for (const [b, c] of counts) counts.set(b, 1 + Math.log(c));
  return counts;
}

/**
 * A text embedder that needs no downloaded weights: hashed TF-IDF features reduced to a dense,
 * unit-length vector. Before `fit`, each token adds ±1 to two hashed output coordinates (signed
 * feature hashing, a random projection: texts sharing words get similar vectors). `fit(corpus)`
 * learns IDF over hashed features and an LSA projection — a randomised SVD (one power iteration,
 * `ml-matrix` QR and symmetric eigendecomposition) of the TF-IDF matrix — so that related words
 * land close together. Plug a transformer model or a hosted API through the same `Embedder` port.
 *
 * @example
 * ```ts
 * const embedder = createHashingEmbedder({ dimension: 128 });
 * await embedder.fit(articles.map((a) => `${a.title}\n${a.body}`));
 * const recommender = createRecommender({ store, embedder, models: { trending, content } });
 * ```
 */
export function createHashingEmbedder(options: HashingEmbedderOptions = {}): HashingEmbedder {
  const dimension = options.dimension ?? 256;
  const buckets = options.hashFeatures ?? 16384;
  const maxDocs = options.maxFitDocuments ?? 20_000;
  const seed = options.seed ?? 42;
  checkOption(SOURCE, Number.isInteger(dimension) && dimension >= 2 && dimension <= 4096, 'dimension', dimension, 'must be an integer in 2..4096');
  checkOption(SOURCE, Number.isInteger(buckets) && buckets >= dimension, 'hashFeatures', buckets, 'must be an integer at least the dimension');
  let idf: Float32Array | undefined;
  let projection: Float32Array | undefined; // buckets × dimension

  function unfitted(text: string): Float32Array {
    const v = new Float32Array(dimension);
    for (const [token, weight] of hashedTerms(text, 0x7fffffff, seed)) {
      for (let h = 0; h < 2; h++) {
        const x = fnv1a(String(token), seed + 1 + h);
        v[x % dimension]! += (x & 0x80000000 ? -1 : 1) * weight;
      }
    }
    return v;
  }

  function fittedVector(text: string): Float32Array {
    const v = new Float32Array(dimension);
    for (const [b, tf] of hashedTerms(text, buckets, seed)) {
      const w = tf * idf![b]!;
      const o = b * dimension;
      for (let d = 0; d < dimension; d++) v[d]! += w * projection![o + d]!;
    }
    return v;
  }

  const normalise = (v: Float32Array): Float32Array => {
    let n = 0;
    for (let d = 0; d < v.length; d++) n += v[d]! * v[d]!;
    n = Math.sqrt(n);
    if (n > 0) for (let d = 0; d < v.length; d++) v[d]! /= n;
    return v;
  };

  return {
    name: SOURCE,
    dimension,
    get fitted() {
      return projection !== undefined;
    },
    async embed(texts) {
      return texts.map((text) => normalise(projection ? fittedVector(text) : unfitted(text)));
    },
    async fit(corpus, fitOptions = {}) {
      if (corpus.length < 2) throw new MyContentError('INVALID_INPUT', 'fit needs at least two documents', { source: SOURCE, field: 'corpus', value: corpus.length });
      const progress = fitOptions.onProgress ?? (() => {});
      const rng = createRandom(seed);
      // Sample documents, hash them, learn IDF.
      const picked = corpus.length <= maxDocs ? corpus : Array.from({ length: maxDocs }, () => corpus[rng.int(corpus.length)]!);
      const docs = picked.map((text) => hashedTerms(text, buckets, seed));
      const df = new Float64Array(buckets);
      for (const doc of docs) for (const b of doc.keys()) df[b]!++;
      const nextIdf = new Float32Array(buckets);
      for (let b = 0; b < buckets; b++) nextIdf[b] = Math.log((1 + docs.length) / (1 + df[b]!)) + 1;
      // Rows of A: unit-length TF-IDF vectors.
      const rows = docs.map((doc) => {
        const entries = [...doc].map(([b, tf]) => [b, tf * nextIdf[b]!] as [number, number]);
        const norm = Math.sqrt(entries.reduce((s, [, w]) => s + w * w, 0)) || 1;
        return entries.map(([b, w]) => [b, w / norm] as [number, number]);
      });
      progress({ phase: 'tf-idf', done: docs.length, total: docs.length });
      const rank = Math.min(dimension + 10, docs.length, buckets);
      const n = docs.length;
      // Y = A Ω, with Ω a seeded Gaussian (buckets × rank).
      const omega = new Float64Array(buckets * rank);
      for (let i = 0; i < omega.length; i++) omega[i] = rng.normal();
      const multiplyA = (right: Float64Array): Matrix => {
        const Y = new Float64Array(n * rank);
        rows.forEach((row, i) => {
          for (const [b, w] of row) for (let c = 0; c < rank; c++) Y[i * rank + c]! += w * right[b * rank + c]!;
        });
        return Matrix.from1DArray(n, rank, Y);
      };
      const multiplyAt = (left: Matrix): Float64Array => {
        const q = left.to2DArray();
        const out = new Float64Array(buckets * rank);
        rows.forEach((row, i) => {
          const qi = q[i]!;
          for (const [b, w] of row) for (let c = 0; c < rank; c++) out[b * rank + c]! += w * qi[c]!;
        });
        return out;
      };
      let Q = new QrDecomposition(multiplyA(omega)).orthogonalMatrix;
      // One power iteration sharpens the spectrum: Q = orth(A Aᵀ Q).
      Q = new QrDecomposition(multiplyA(multiplyAt(Q))).orthogonalMatrix;
      progress({ phase: 'randomised svd', done: 1, total: 2 });
      // B = Qᵀ A (rank × buckets, stored transposed as buckets × rank); B Bᵀ = U Λ Uᵀ; V = Bᵀ U Λ^-½.
      const Bt = multiplyAt(Q);
      const gram = new Float64Array(rank * rank);
      for (let b = 0; b < buckets; b++) {
        const o = b * rank;
        for (let i = 0; i < rank; i++) {
          const bi = Bt[o + i]!;
          if (bi === 0) continue;
          for (let j = 0; j < rank; j++) gram[i * rank + j]! += bi * Bt[o + j]!;
        }
      }
      const eig = new EigenvalueDecomposition(Matrix.from1DArray(rank, rank, gram), { assumeSymmetric: true });
      const values = eig.realEigenvalues;
      const order = values.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]).slice(0, dimension);
      const U = eig.eigenvectorMatrix.to2DArray();
      const next = new Float32Array(buckets * dimension);
      order.forEach(([lambda, col], d) => {
        const scale = lambda > 1e-12 ? 1 / Math.sqrt(lambda) : 0;
        for (let b = 0; b < buckets; b++) {
          let s = 0;
          const o = b * rank;
          for (let i = 0; i < rank; i++) s += Bt[o + i]! * U[i]![col]!;
          next[b * dimension + d] = s * scale;
        }
      });
      idf = nextIdf;
      projection = next;
      progress({ phase: 'randomised svd', done: 2, total: 2 });
    },
  };
}
