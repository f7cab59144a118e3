import type { ItemCatalog } from '../catalog/catalog';
import { MyContentError } from '../errors/error';
import type { RecommenderModel } from '../model/contract';

/**
 * Maximal marginal relevance (Carbonell & Goldstein 1998): picks `n` of `candidates` one at a
 * time, each maximising `lambda · relevance − (1 − lambda) · (its highest similarity to the
 * items already picked)`. `lambda` 1 keeps the relevance order; lower values trade relevance for
 * variety. Relevance is divided by the best candidate's, so `lambda` means the same whatever the
 * score scale. Ties keep the candidates' order. O(n × candidates) similarity calls.
 *
 * @example
 * ```ts
 * // Categories: two items of the same category are fully similar, others not at all.
 * const picked = rerankMmr(candidates, 10, 0.7, (c) => c.score, (a, b) => (a.category === b.category ? 1 : 0));
 * ```
 */
export function rerankMmr<T>(
  candidates: readonly T[],
  n: number,
  lambda: number,
  relevance: (candidate: T) => number,
  similarity: (a: T, b: T) => number,
): T[] {
  if (lambda >= 1 || candidates.length <= 1) return candidates.slice(0, n);
  let best = 0;
  for (const c of candidates) best = Math.max(best, relevance(c));
  const scale = best > 0 ? 1 / best : 1;
  const remaining = candidates.map((c) => ({ c, rel: relevance(c) * scale, maxSim: 0 }));
  const picked: T[] = [];
  while (picked.length < n && remaining.length > 0) {
    let at = 0;
    let top = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < remaining.length; i++) {
      const r = remaining[i]!;
      const value = lambda * r.rel - (1 - lambda) * r.maxSim;
      if (value > top) {
        top = value;
        at = i;
      }
    }
    const chosen = remaining.splice(at, 1)[0]!;
    picked.push(chosen.c);
    for (const r of remaining) r.maxSim = Math.max(r.maxSim, similarity(r.c, chosen.c));
  }
  return picked;
}

/** Cosine similarity of two vectors (0 when either is missing or zero). */
export function cosineSimilarity(a: Float32Array | undefined, b: Float32Array | undefined): number {
  if (!a || !b || a.length !== b.length) return 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

/** A diversity policy, parsed: what makes two items alike, and how much variety to buy. */
export interface DiversityPolicy {
  lambda: number;
  by: 'category' | 'embedding';
  pool?: number | undefined;
}

/**
 * The diversity stage: MMR over the blended candidates, two items being alike when they share a
 * category, or by the cosine of their embeddings (from `embeddings`, a model that exposes them).
 */
export function diversify<T extends { item: number; score: number }>(
  catalog: ItemCatalog,
  embeddings: RecommenderModel | undefined,
  candidates: T[],
  n: number,
  diversity: DiversityPolicy,
): T[] {
  if (diversity.by === 'category') {
    const category = catalog.category;
    return rerankMmr(candidates, n, diversity.lambda, (c) => c.score, (a, b) => (category[a.item]! >= 0 && category[a.item] === category[b.item] ? 1 : 0));
  }
  if (!embeddings?.embeddingOf) {
    throw new MyContentError('INVALID_CONFIG', "diversity by 'embedding' needs a model that exposes item embeddings (e.g. the content model)", {
      source: 'engine',
      field: 'diversity.by',
      value: diversity.by,
    });
  }
  const vectors = new Map(candidates.map((c) => [c.item, embeddings.embeddingOf!(c.item)]));
  return rerankMmr(candidates, n, diversity.lambda, (c) => c.score, (a, b) => Math.max(0, cosineSimilarity(vectors.get(a.item), vectors.get(b.item))));
}
