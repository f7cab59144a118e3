import {
  MyContentError,
  NO_ITEMS,
  assertArtifactKind,
  bindItemIds,
  type FitContext,
  type InteractionDataset,
  type ItemCatalog,
  type ModelArtifact,
  type ModelQuery,
  type InMemoryModel,
  type ObservedInteraction,
  type ScoredItems,
} from '@mycontent/core';
import { SessionTracker, TopK, createBreather, groupRowsByUser, sessionKey } from '@mycontent/core/internal';
import { DEFAULT_MAX_OPEN_SESSIONS, DEFAULT_SESSION_GAP_MS } from '@mycontent/core';
import { checkOption } from '../shared/options';
import { throwIfAborted } from '../shared/abort';
import { openSessionsData } from '../session/sessions';

/** How two items' co-occurrences become a similarity. */
export type ItemSimilarity = 'cooccurrence' | 'cosine' | 'bm25';

/** Options of {@link createItemKnnModel}. */
export interface ItemKnnOptions {
  /**
   * `cooccurrence`: the raw number of contexts where both items appear (the classic "people who
   * read this also read"); `cosine`: that count divided by the geometric mean of each item's
   * count, which stops blockbusters from being everyone's neighbour; `bm25`: the dot product of
   * BM25-weighted item vectors (items as documents, contexts as terms: long contexts and very
   * common items weigh less), as in the `implicit` library. @default 'cosine'
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
  /** Only pairs at most this many positions apart in a context count. @default Infinity (the whole context) */
  window?: number;
  /** BM25 parameters for `similarity: 'bm25'`. @default { k1: 1.2, b: 0.75 } */
  bm25?: { k1?: number; b?: number };
  /** Added to the cosine denominator to damp similarities built on few counts. @default 0 */
  shrinkage?: number;
  /**
   * Weight of the history entry `h` steps before the newest, multiplied per step: 1 treats the
   * whole history alike; below 1 favours what the user read last. @default 0.9
   */
  recencyDecay?: number;
  /**
   * Live co-occurrences learned between trainings from the interactions the engine observes
   * (each new interaction paired with the previous `window` items, at most 20, of its session —
   * grouped by `sessionId`, else by user and 30 minutes of inactivity — or, with context `user`,
   * of the user's history): how much
   * they weigh next to the trained similarities, 0 to turn them off. A new article gets
   * neighbours from its first clicks this way, without retraining. They are not saved in the
   * artifact: the next training absorbs them. @default 1
   */
  liveWeight?: number;
  /** Most live item pairs kept (memory bound); beyond, only known pairs are counted. @default 1_000_000 */
  maxLivePairs?: number;
  /**
   * Sessions held open at most (memory bound: a few hundred bytes each); past it, the least
   * recently active is closed early, counted in `stateStats().openSessionsEvicted`. @default 100_000
   */
  maxOpenSessions?: number;
}

const KIND = 'item-knn';
const LIVE_WINDOW = 20;
const FORMAT_VERSION = 1;

/** The item-kNN model returned by {@link createItemKnnModel}. */
export interface ItemKnnModel extends InMemoryModel {
  /** The neighbours of an item (catalogue indices and similarities), best first. */
  neighborsOf(item: number): ScoredItems;
}

/**
 * Item-based nearest neighbours: items are similar when the same sessions (or users) contain
 * them. Training computes XᵀX one item row at a time — a dense accumulator over the items that
 * share a context with it within `window` positions, with entry weights 1 or BM25 — turns the
 * row into similarities and keeps the best `neighbors` per item in CSR arrays (memory stays
 * O(positions + items × neighbours), no hash map of item pairs). A user's candidates are
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
    window: options.window ?? Number.POSITIVE_INFINITY,
    bm25: { k1: options.bm25?.k1 ?? 1.2, b: options.bm25?.b ?? 0.75 },
    shrinkage: options.shrinkage ?? 0,
    recencyDecay: options.recencyDecay ?? 0.9,
    liveWeight: options.liveWeight ?? 1,
    maxLivePairs: options.maxLivePairs ?? 1_000_000,
    maxOpenSessions: options.maxOpenSessions ?? DEFAULT_MAX_OPEN_SESSIONS,
  };
  const check = (ok: boolean, field: string, value: unknown, why: string) => checkOption(KIND, ok, field, value, why);
  check(['cosine', 'cooccurrence', 'bm25'].includes(config.similarity), 'similarity', config.similarity, "must be 'cosine', 'cooccurrence' or 'bm25'");
  check(Number.isInteger(config.neighbors) && config.neighbors >= 1, 'neighbors', config.neighbors, 'must be a positive integer');
  check(config.context === 'session' || config.context === 'user', 'context', config.context, "must be 'session' or 'user'");
  check((Number.isInteger(config.window) || config.window === Number.POSITIVE_INFINITY) && config.window >= 1, 'window', config.window, 'must be a positive integer or Infinity');
  check(config.bm25.k1 >= 0 && config.bm25.b >= 0 && config.bm25.b <= 1, 'bm25', config.bm25, 'needs k1 >= 0 and b in [0, 1]');
  check(config.shrinkage >= 0, 'shrinkage', config.shrinkage, 'must not be negative');
  check(config.recencyDecay > 0 && config.recencyDecay <= 1, 'recencyDecay', config.recencyDecay, 'must be in (0, 1]');
  check(config.liveWeight >= 0, 'liveWeight', config.liveWeight, 'must not be negative');
  check(Number.isInteger(config.maxLivePairs) && config.maxLivePairs >= 0, 'maxLivePairs', config.maxLivePairs, 'must be a non-negative integer');
  check(Number.isInteger(config.maxOpenSessions) && config.maxOpenSessions >= 1, 'maxOpenSessions', config.maxOpenSessions, 'must be a positive integer');

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
  // Live co-occurrences since training: per item, partner -> count; per item, its observations.
  let live = new Map<number, Map<number, number>>();
  let liveCount = new Map<number, number>();
  let livePairs = 0;
  // Open sessions, to pair live interactions within a session (context 'session').
  const sessions = new SessionTracker(DEFAULT_SESSION_GAP_MS, LIVE_WINDOW, config.maxOpenSessions);
  let livePairsRefused = 0;

  function liveSimilarity(i: number, j: number, count: number): number {
    if (config.similarity === 'cooccurrence') return config.liveWeight * count;
    const cosine = (config.liveWeight * count) / (Math.sqrt((liveCount.get(i) ?? 1) * (liveCount.get(j) ?? 1)) + config.shrinkage);
    // BM25 similarities are not bounded by 1: a live pair weighs like the item's best trained
    // neighbour when the two are always read together, so that new articles can surface.
    if (config.similarity === 'bm25' && i < items && start[i + 1]! > start[i]!) return cosine * similarity[start[i]!]!;
    return cosine;
  }

  function addLivePair(i: number, j: number): void {
    let partners = live.get(i);
    if (!partners) {
      if (livePairs >= config.maxLivePairs) {
        livePairsRefused++;
        return;
      }
      live.set(i, (partners = new Map()));
    }
    const c = partners.get(j);
    if (c !== undefined) partners.set(j, c + 1);
    else if (livePairs < config.maxLivePairs) {
      partners.set(j, 1);
      livePairs++;
    } else livePairsRefused++;
  }

  function observe(event: ObservedInteraction): void {
    if (config.liveWeight === 0 || !(event.weight > 0) || event.item < 0) return;
    const item = event.item;
    // Partners: the session's previous items (context 'session'), else the user's.
    let previous: ArrayLike<number> | undefined;
    if (config.context === 'session') {
      const session = sessions.sessionAt(sessionKey(event), event.timestamp, event.userId);
      previous = session.items.slice();
      if (session.items[session.items.length - 1] !== item) sessions.push(session, item, event.timestamp);
      sessions.sweep(event.timestamp);
    } else previous = event.previous;
    if (!previous) return;
    liveCount.set(item, (liveCount.get(item) ?? 0) + 1);
    const from = Math.max(0, previous.length - Math.min(LIVE_WINDOW, config.window));
    for (let p = from; p < previous.length; p++) {
      const other = previous[p]!;
      if (other === item || other < 0) continue;
      addLivePair(item, other);
      addLivePair(other, item);
    }
  }

  function fail(): never {
    throw new MyContentError('NOT_TRAINED', 'the item-kNN model is not trained', { source: KIND });
  }

  function clearLive(): void {
    sessions.clear();
    live = new Map();
    liveCount = new Map();
    livePairs = 0;
  }

  async function fit(data: InteractionDataset, context: FitContext = {}): Promise<void> {
    const n = data.catalog.size;
    const progress = context.onProgress ?? (() => {});
    const aborted = () => {
      throwIfAborted(context.signal, KIND);
    };
    // 1. Contexts: per user in time order, split by session when asked. seq[p] is the item at
    //    position p, ctxOf[p] its context; contexts are contiguous runs of positions.
    // Let the host's event loop run: training a large catalogue takes seconds.
    const yieldNow = createBreather();
    const breathe = async () => {
      await yieldNow();
      aborted();
    };
    const { start: userStart, order } = groupRowsByUser(data);
    await breathe();
    const seqList: number[] = [];
    const bounds: number[] = [0];
    for (let u = 0; u < data.users.length; u++) {
      if ((u & 4095) === 0) await breathe();
      let currentSession = -2;
      for (let k = userStart[u]!; k < userStart[u + 1]!; k++) {
        const r = order[k]!;
        if (!(data.weight[r]! > 0)) continue;
        const s = config.context === 'session' ? data.session[r]! : -1;
        if (seqList.length > bounds[bounds.length - 1]! && s !== currentSession) bounds.push(seqList.length);
        currentSession = s;
        seqList.push(data.item[r]!);
      }
      if (seqList.length > bounds[bounds.length - 1]!) bounds.push(seqList.length);
    }
    const seq = Int32Array.from(seqList);
    const contexts = bounds.length - 1;
    const ctxStart = Int32Array.from(bounds);
    const ctxOf = new Int32Array(seq.length);
    for (let c = 0; c < contexts; c++) ctxOf.fill(c, ctxStart[c]!, ctxStart[c + 1]!);
    await breathe();
    // 2. Per item: contexts containing it (distinct), and its positions (CSR).
    const itemCount = new Float64Array(n);
    const lastContext = new Int32Array(n).fill(-1);
    const occStart = new Int32Array(n + 1);
    for (let p = 0; p < seq.length; p++) {
      const i = seq[p]!;
      occStart[i + 1]!++;
      if (lastContext[i] !== ctxOf[p]) {
        lastContext[i] = ctxOf[p]!;
        itemCount[i]!++;
      }
    }
    for (let i = 0; i < n; i++) occStart[i + 1]! += occStart[i]!;
    const occ = new Int32Array(seq.length);
    {
      const fill = occStart.slice(0, n);
      for (let p = 0; p < seq.length; p++) occ[fill[seq[p]!]!++] = p;
    }
    await breathe();
    // 3. Entry weights: 1, or BM25 with items as documents and contexts as terms.
    let weightOf: ((p: number) => number) | undefined;
    if (config.similarity === 'bm25') {
      let active = 0;
      let totalLength = 0;
      for (let i = 0; i < n; i++) {
        if (itemCount[i]! > 0) {
          active++;
          totalLength += itemCount[i]!;
        }
      }
      const average = totalLength / Math.max(1, active);
      const idf = new Float64Array(contexts);
      for (let c = 0; c < contexts; c++) idf[c] = Math.log(active / (1 + (ctxStart[c + 1]! - ctxStart[c]!)));
      const { k1, b } = config.bm25;
      const itemTerm = new Float64Array(n);
      for (let i = 0; i < n; i++) itemTerm[i] = (k1 + 1) / (k1 * (1 - b + (b * itemCount[i]!) / average) + 1);
      const w = new Float64Array(seq.length);
      for (let p = 0; p < seq.length; p++) w[p] = itemTerm[seq[p]!]! * idf[ctxOf[p]!]!;
      weightOf = (p) => w[p]!;
    }
    // 4. Row by row: accumulate co-occurrences of item i within the window, keep the best.
    const keep = config.neighbors;
    const window = config.window;
    const rowAcc = new Float64Array(n);
    const rowTouched = new Int32Array(n);
    const top = new TopK(keep);
    const nextStart = new Int32Array(n + 1);
    const outItem: number[] = [];
    const outSim: number[] = [];
    for (let i = 0; i < n; i++) {
      let touchedCount = 0;
      for (let o = occStart[i]!; o < occStart[i + 1]!; o++) {
        const p = occ[o]!;
        const c = ctxOf[p]!;
        const from = Math.max(ctxStart[c]!, p - window);
        const to = Math.min(ctxStart[c + 1]!, p + window + 1);
        const wp = weightOf ? weightOf(p) : 1;
        for (let q = from; q < to; q++) {
          const j = seq[q]!;
          if (j === i) continue;
          if (rowAcc[j] === 0) rowTouched[touchedCount++] = j;
          rowAcc[j]! += weightOf ? wp * weightOf(q) : 1;
        }
      }
      top.reset(keep);
      for (let t = 0; t < touchedCount; t++) {
        const j = rowTouched[t]!;
        const value = rowAcc[j]!;
        rowAcc[j] = 0;
        const sim = config.similarity === 'cosine' ? value / (Math.sqrt(itemCount[i]! * itemCount[j]!) + config.shrinkage) : value;
        top.push(j, sim);
      }
      const best = top.drain();
      for (let k = 0; k < best.items.length; k++) {
        outItem.push(best.items[k]!);
        outSim.push(best.scores[k]!);
      }
      nextStart[i + 1] = outItem.length;
      if ((i & 0xff) === 0) {
        await breathe();
        progress({ phase: 'neighbours', done: i, total: n });
      }
    }
    catalog = data.catalog;
    items = n;
    start = nextStart;
    neighbor = Int32Array.from(outItem);
    similarity = Float32Array.from(outSim);
    trained = true;
    progress({ phase: 'neighbours', done: n, total: n });
  }

  function recommend(query: ModelQuery): ScoredItems {
    if (!trained) fail();
    if (query.k < 1 || query.history.length === 0) return NO_ITEMS;
    const size = Math.max(items, catalog!.size); // live pairs may involve articles newer than training
    if (acc.length < size) {
      acc = new Float32Array(size);
      touched = new Int32Array(size);
    }
    let touchedCount = 0;
    const history = query.history;
    const weights = query.historyWeights;
    let recency = 1;
    for (let h = history.length - 1; h >= 0; h--, recency *= config.recencyDecay) {
      const item = history[h]!;
      if (item < 0 || item >= size) continue;
      const weight = recency * (weights ? weights[h]! : 1);
      if (item < items) {
        for (let k = start[item]!; k < start[item + 1]!; k++) {
          const j = neighbor[k]!;
          if (acc[j] === 0) touched[touchedCount++] = j;
          acc[j]! += weight * similarity[k]!;
        }
      }
      const partners = live.get(item);
      if (partners) {
        for (const [j, count] of partners) {
          if (j >= size) continue;
          if (acc[j] === 0) touched[touchedCount++] = j;
          acc[j]! += weight * liveSimilarity(item, j, count);
        }
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
    untrainedCopy: () => createItemKnnModel(options),
    capabilities: { online: true, personalized: true, trending: false, similarItems: true },
    get trained() {
      return trained;
    },
    fit: async (data, context) => {
      await fit(data, context);
      clearLive();
    },
    recommend,
    observe,
    score(query, candidates) {
      if (!trained) fail();
      const out = new Float32Array(candidates.length);
      const position = new Map<number, number>();
      candidates.forEach((c, i) => position.set(c, i));
      let recency = 1;
      for (let h = query.history.length - 1; h >= 0; h--, recency *= config.recencyDecay) {
        const item = query.history[h]!;
        if (item < 0) continue;
        const weight = recency * (query.historyWeights ? query.historyWeights[h]! : 1);
        if (item < items) {
          for (let k = start[item]!; k < start[item + 1]!; k++) {
            const at = position.get(neighbor[k]!);
            if (at !== undefined) out[at]! += weight * similarity[k]!;
          }
        }
        for (const [j, count] of live.get(item) ?? []) {
          const at = position.get(j);
          if (at !== undefined) out[at]! += weight * liveSimilarity(item, j, count);
        }
      }
      return out;
    },
    similar(item, k, filter) {
      if (!trained) fail();
      if (item < 0 || k < 1) return NO_ITEMS;
      const partners = live.get(item);
      if (!partners) {
        if (item >= items) return NO_ITEMS;
        // Trained neighbours only: already sorted.
        const outItems: number[] = [];
        const outScores: number[] = [];
        for (let q = start[item]!; q < start[item + 1]! && outItems.length < k; q++) {
          const j = neighbor[q]!;
          if (filter && !filter(j)) continue;
          outItems.push(j);
          outScores.push(similarity[q]!);
        }
        return { items: Int32Array.from(outItems), scores: Float32Array.from(outScores) };
      }
      const merged = new Map<number, number>();
      if (item < items) for (let q = start[item]!; q < start[item + 1]!; q++) merged.set(neighbor[q]!, similarity[q]!);
      for (const [j, count] of partners) merged.set(j, (merged.get(j) ?? 0) + liveSimilarity(item, j, count));
      heap.reset(k);
      for (const [j, score] of merged) if (score >= heap.threshold && (!filter || filter(j))) heap.push(j, score);
      return heap.drain();
    },
    neighborsOf(item) {
      if (!trained) fail();
      if (item < 0 || item >= items) return NO_ITEMS;
      return { items: neighbor.slice(start[item]!, start[item + 1]!), scores: similarity.slice(start[item]!, start[item + 1]!) };
    },
    stateStats: () => ({
      openSessions: sessions.size,
      openSessionsLimit: sessions.maxOpen,
      openSessionsEvicted: sessions.evicted,
      livePairs,
      livePairsLimit: config.maxLivePairs,
      livePairsRefused,
    }),
    forgetUser(userId) {
      // Only the open sessions name the user; what they taught the model is anonymous counts.
      sessions.forgetOwner(userId);
    },
    userData: (userId) => openSessionsData(sessions, userId, catalog),
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
      clearLive();
      start = nextStart;
      neighbor = nextNeighbor;
      similarity = nextSimilarity;
      trained = true;
    },
  };
  return model;
}
