import {
  MyContentError,
  NO_ITEMS,
  TopK,
  assertArtifactKind,
  bindItemIds,
  groupRowsByUser,
  type FitContext,
  type InteractionDataset,
  type ItemCatalog,
  type ModelArtifact,
  type ModelQuery,
  type RecommenderModel,
  type ScoredItems,
} from '@mycontent/core';

/** How two items' co-occurrence count becomes a similarity. */
export type ItemSimilarity = 'cooccurrence' | 'cosine';

/** Options of {@link createItemKnnModel}. */
export interface ItemKnnOptions {
  /**
   * `cooccurrence`: the raw number of contexts where both items appear (the classic "people who
   * read this also read"); `cosine`: that count divided by the geometric mean of each item's
   * count, which stops blockbusters from being everyone's neighbour. @default 'cosine'
   */
  similarity?: ItemSimilarity;
  /** Neighbours kept per item. @default 100 */
  neighbors?: number;
  /**
   * What counts as co-occurring: `session` pairs items clicked in the same session (rows without a
   * session fall back to the user's sequence), `user` pairs items in the same user's history.
   * @default 'session'
   */
  context?: 'session' | 'user';
  /** Only pairs at most this many positions apart in a context count. @default 50 */
  window?: number;
  /** Added to the cosine denominator to damp similarities built on few counts. @default 0 */
  shrinkage?: number;
  /**
   * Weight of the history entry `h` steps before the newest, multiplied per step: 1 treats the
   * whole history alike; below 1 favours what the user read last. @default 0.9
   */
  recencyDecay?: number;
}

const KIND = 'item-knn';
const FORMAT_VERSION = 1;

/** The item-kNN model returned by {@link createItemKnnModel}. */
export interface ItemKnnModel extends RecommenderModel {
  /** The neighbours of an item (catalogue indices and similarities), best first. */
  neighborsOf(item: number): ScoredItems;
}

/**
 * Item-based nearest neighbours: items are similar when the same sessions (or users) contain
 * them. Training counts every pair of items within `window` positions of one context with a
 * sort-based count over packed pair keys (no hash map of millions of entries), turns counts into
 * similarities, and keeps the best `neighbors` per item in CSR arrays. A user's candidates are
 * the neighbours of their history, weighted by recency; `similar()` answers "more like this".
 *
 * @example
 * ```ts
 * const related = createItemKnnModel({ similarity: 'cosine', neighbors: 50 });
 * await related.fit(dataset);
 * related.similar!(catalog.indexOf('article-9'), 10);
 * ```
 */
export function createItemKnnModel(options: ItemKnnOptions = {}): ItemKnnModel {
  const config = {
    similarity: options.similarity ?? 'cosine',
    neighbors: options.neighbors ?? 100,
    context: options.context ?? 'session',
    window: options.window ?? 50,
    shrinkage: options.shrinkage ?? 0,
    recencyDecay: options.recencyDecay ?? 0.9,
  };
  const check = (ok: boolean, field: string, value: unknown, why: string) => {
    if (!ok) throw new MyContentError('INVALID_CONFIG', `${field} ${why}, got ${JSON.stringify(value)}`, { source: KIND, field, value });
  };
  check(config.similarity === 'cosine' || config.similarity === 'cooccurrence', 'similarity', config.similarity, "must be 'cosine' or 'cooccurrence'");
  check(Number.isInteger(config.neighbors) && config.neighbors >= 1, 'neighbors', config.neighbors, 'must be a positive integer');
  check(config.context === 'session' || config.context === 'user', 'context', config.context, "must be 'session' or 'user'");
  check(Number.isInteger(config.window) && config.window >= 1, 'window', config.window, 'must be a positive integer');
  check(config.shrinkage >= 0, 'shrinkage', config.shrinkage, 'must not be negative');
  check(config.recencyDecay > 0 && config.recencyDecay <= 1, 'recencyDecay', config.recencyDecay, 'must be in (0, 1]');

  let catalog: ItemCatalog | undefined;
  let items = 0; // catalogue size at training time
  let start = new Int32Array(1);
  let neighbor = new Int32Array(0);
  let similarity = new Float32Array(0);
  let trained = false;
  // Scratch for recommend(): a dense accumulator and the list of touched items.
  let acc = new Float32Array(0);
  let touched = new Int32Array(0);
  const heap = new TopK(16);

  function fail(): never {
    throw new MyContentError('NOT_TRAINED', 'the item-kNN model is not trained', { source: KIND });
  }

  async function fit(data: InteractionDataset, context: FitContext = {}): Promise<void> {
    const n = data.catalog.size;
    if (n >= 94_906_265) {
      throw new MyContentError('CAPACITY', `item-kNN packs item pairs into doubles and supports up to 94,906,264 items, got ${n}`, {
        source: KIND,
      });
    }
    const progress = context.onProgress ?? (() => {});
    const aborted = () => {
      if (context.signal?.aborted) throw new MyContentError('ABORTED', 'item-kNN fit aborted', { source: KIND });
    };
    // 1. Contexts: per user in time order, split by session when asked.
    const { start: userStart, order } = groupRowsByUser(data);
    const contextBounds: number[] = [0];
    const seq: number[] = [];
    for (let u = 0; u < data.users.length; u++) {
      let currentSession = -2;
      for (let k = userStart[u]!; k < userStart[u + 1]!; k++) {
        const r = order[k]!;
        if (!(data.weight[r]! > 0)) continue;
        const s = config.context === 'session' ? data.session[r]! : -1;
        if (seq.length > contextBounds[contextBounds.length - 1]! && s !== currentSession) contextBounds.push(seq.length);
        currentSession = s;
        seq.push(data.item[r]!);
      }
      if (seq.length > contextBounds[contextBounds.length - 1]!) contextBounds.push(seq.length);
    }
    aborted();
    // 2. Item counts (contexts containing the item, counted once per context) and pair totals.
    const itemCount = new Float64Array(n);
    let pairs = 0;
    const w = config.window;
    for (let c = 0; c + 1 < contextBounds.length; c++) {
      const a = contextBounds[c]!;
      const b = contextBounds[c + 1]!;
      for (let i = a; i < b; i++) {
        let firstInContext = true;
        for (let j = a; j < i; j++) if (seq[j] === seq[i]) { firstInContext = false; break; }
        if (firstInContext) itemCount[seq[i]!]!++;
        pairs += Math.min(b, i + 1 + w) - (i + 1);
      }
    }
    progress({ phase: 'counting pairs', done: 0, total: pairs });
    // 3. Pack every (low, high) pair into one double and sort: equal keys become runs.
    const keys = new Float64Array(pairs);
    let p = 0;
    for (let c = 0; c + 1 < contextBounds.length; c++) {
      const a = contextBounds[c]!;
      const b = contextBounds[c + 1]!;
      for (let i = a; i < b; i++) {
        const x = seq[i]!;
        const end = Math.min(b, i + 1 + w);
        for (let j = i + 1; j < end; j++) {
          const y = seq[j]!;
          if (x === y) continue;
          keys[p++] = x < y ? x * n + y : y * n + x;
        }
      }
    }
    const packed = keys.subarray(0, p).sort();
    aborted();
    progress({ phase: 'counting pairs', done: pairs, total: pairs });
    // 4. Runs -> (x, y, count) -> similarity, into per-item candidate lists (both directions).
    const degree = new Int32Array(n + 1);
    let unique = 0;
    for (let k = 0; k < packed.length; ) {
      const key = packed[k]!;
      let e = k + 1;
      while (e < packed.length && packed[e] === key) e++;
      const x = Math.floor(key / n);
      const y = key - x * n;
      degree[x + 1]!++;
      degree[y + 1]!++;
      unique++;
      k = e;
    }
    for (let i = 0; i < n; i++) degree[i + 1]! += degree[i]!;
    const candItem = new Int32Array(unique * 2);
    const candSim = new Float32Array(unique * 2);
    const fill = degree.slice(0, n);
    for (let k = 0; k < packed.length; ) {
      const key = packed[k]!;
      let e = k + 1;
      while (e < packed.length && packed[e] === key) e++;
      const count = e - k;
      const x = Math.floor(key / n);
      const y = key - x * n;
      const sim =
        config.similarity === 'cooccurrence'
          ? count
          : count / (Math.sqrt(itemCount[x]! * itemCount[y]!) + config.shrinkage);
      candItem[fill[x]!] = y;
      candSim[fill[x]!++] = sim;
      candItem[fill[y]!] = x;
      candSim[fill[y]!++] = sim;
      k = e;
    }
    aborted();
    // 5. Keep the best `neighbors` per item, sorted by similarity (ties: lower index first).
    const keep = config.neighbors;
    const nextStart = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) nextStart[i + 1] = nextStart[i]! + Math.min(keep, degree[i + 1]! - degree[i]!);
    const nextNeighbor = new Int32Array(nextStart[n]!);
    const nextSimilarity = new Float32Array(nextStart[n]!);
    const idx: number[] = [];
    for (let i = 0; i < n; i++) {
      const a = degree[i]!;
      const b = degree[i + 1]!;
      if (a === b) continue;
      idx.length = 0;
      for (let k = a; k < b; k++) idx.push(k);
      idx.sort((u, v) => candSim[v]! - candSim[u]! || candItem[u]! - candItem[v]!);
      const o = nextStart[i]!;
      const m = nextStart[i + 1]! - o;
      for (let k = 0; k < m; k++) {
        nextNeighbor[o + k] = candItem[idx[k]!]!;
        nextSimilarity[o + k] = candSim[idx[k]!]!;
      }
    }
    catalog = data.catalog;
    items = n;
    start = nextStart;
    neighbor = nextNeighbor;
    similarity = nextSimilarity;
    trained = true;
    progress({ phase: 'neighbours', done: n, total: n });
  }

  function recommend(query: ModelQuery): ScoredItems {
    if (!trained) fail();
    if (query.k < 1 || query.history.length === 0) return NO_ITEMS;
    if (acc.length < items) {
      acc = new Float32Array(items);
      touched = new Int32Array(items);
    }
    let touchedCount = 0;
    const history = query.history;
    const weights = query.historyWeights;
    let recency = 1;
    for (let h = history.length - 1; h >= 0; h--, recency *= config.recencyDecay) {
      const item = history[h]!;
      if (item < 0 || item >= items) continue;
      const weight = recency * (weights ? weights[h]! : 1);
      for (let k = start[item]!; k < start[item + 1]!; k++) {
        const j = neighbor[k]!;
        if (acc[j] === 0) touched[touchedCount++] = j;
        acc[j]! += weight * similarity[k]!;
      }
    }
    heap.reset(query.k);
    const filter = query.filter;
    for (let t = 0; t < touchedCount; t++) {
      const j = touched[t]!;
      const score = acc[j]!;
      acc[j] = 0;
      if (score >= heap.threshold && (!filter || filter(j))) heap.push(j, score);
    }
    return heap.drain();
  }

  const model: ItemKnnModel = {
    kind: KIND,
    capabilities: { online: false, personalized: true, trending: false, similarItems: true },
    get trained() {
      return trained;
    },
    fit,
    recommend,
    score(query, candidates) {
      if (!trained) fail();
      const out = new Float32Array(candidates.length);
      const position = new Map<number, number>();
      candidates.forEach((c, i) => position.set(c, i));
      let recency = 1;
      for (let h = query.history.length - 1; h >= 0; h--, recency *= config.recencyDecay) {
        const item = query.history[h]!;
        if (item < 0 || item >= items) continue;
        const weight = recency * (query.historyWeights ? query.historyWeights[h]! : 1);
        for (let k = start[item]!; k < start[item + 1]!; k++) {
          const at = position.get(neighbor[k]!);
          if (at !== undefined) out[at]! += weight * similarity[k]!;
        }
      }
      return out;
    },
    similar(item, k, filter) {
      if (!trained) fail();
      if (item < 0 || item >= items || k < 1) return NO_ITEMS;
      const a = start[item]!;
      const b = start[item + 1]!;
      const outItems: number[] = [];
      const outScores: number[] = [];
      for (let q = a; q < b && outItems.length < k; q++) {
        const j = neighbor[q]!;
        if (filter && !filter(j)) continue;
        outItems.push(j);
        outScores.push(similarity[q]!);
      }
      return { items: Int32Array.from(outItems), scores: Float32Array.from(outScores) };
    },
    neighborsOf(item) {
      if (!trained) fail();
      if (item < 0 || item >= items) return NO_ITEMS;
      return { items: neighbor.slice(start[item]!, start[item + 1]!), scores: similarity.slice(start[item]!, start[item + 1]!) };
    },
    toArtifact(): ModelArtifact {
      if (!trained || !catalog) fail();
      return {
        kind: KIND,
        formatVersion: FORMAT_VERSION,
        state: { config, itemIds: catalog.idList().slice(0, items) },
        arrays: { start, neighbor, similarity },
      };
    },
    restore(artifact: ModelArtifact, target: ItemCatalog) {
      assertArtifactKind(artifact, KIND, FORMAT_VERSION);
      const state = artifact.state as { itemIds: string[] };
      const map = bindItemIds(state.itemIds, target);
      const savedStart = artifact.arrays.start as Int32Array;
      const savedNeighbor = artifact.arrays.neighbor as Int32Array;
      const n = target.size;
      // Re-index rows and neighbour ids onto the target catalogue.
      const nextStart = new Int32Array(n + 1);
      for (let i = 0; i < map.length; i++) nextStart[map[i]! + 1] = savedStart[i + 1]! - savedStart[i]!;
      for (let i = 0; i < n; i++) nextStart[i + 1]! += nextStart[i]!;
      const nextNeighbor = new Int32Array(savedNeighbor.length);
      const nextSimilarity = new Float32Array(savedNeighbor.length);
      const savedSimilarity = artifact.arrays.similarity as Float32Array;
      for (let i = 0; i < map.length; i++) {
        const from = savedStart[i]!;
        const to = nextStart[map[i]!]!;
        for (let k = 0; k < savedStart[i + 1]! - from; k++) {
          nextNeighbor[to + k] = map[savedNeighbor[from + k]!]!;
          nextSimilarity[to + k] = savedSimilarity[from + k]!;
        }
      }
      catalog = target;
      items = n;
      start = nextStart;
      neighbor = nextNeighbor;
      similarity = nextSimilarity;
      trained = true;
    },
  };
  return model;
}
