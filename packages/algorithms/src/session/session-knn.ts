import {
  MyContentError,
  NO_ITEMS,
  assertArtifactKind,
  bindItemIds,
  type FitContext,
  type InMemoryModel,
  type InteractionDataset,
  type ItemCatalog,
  type ModelArtifact,
  type ModelQuery,
  type ObservedInteraction,
  type ScoredItems,
} from '@mycontent/core';
import { TopK } from '@mycontent/core/internal';
import { DEFAULT_MAX_OPEN_SESSIONS, DEFAULT_SESSION_GAP_MS } from '@mycontent/core';
import { SessionTracker, growArray, sessionKey } from '@mycontent/core/internal';
import { checkOption } from '../shared/options';
import { ScoreAccumulator, querySession, replayDataset } from './sessions';
import { throwIfAborted } from '../shared/abort';

/** Options of {@link createSessionKnnModel}. */
export interface SessionKnnOptions {
  /**
   * `vsknn` (V-SkNN): the current session's items weigh more the more recent they are, and a
   * neighbour's similarity is the weighted overlap; `sknn` (S-kNN): plain cosine between the
   * sessions' item sets; `stan` (STAN, time-aware): the current session's items decay
   * exponentially from the last click (`queryDecay`), a neighbour's vote decays with its age
   * (`neighbourAgeMs`), and within a neighbour an item counts more the closer it sits to the
   * item shared with the current session (`positionDecay`); `vstan` (V-STAN): STAN, and a
   * neighbour's votes also decay with how far back in the current session its shared item is
   * (`matchDecay`), and each voted item gains `idfWeight` times its inverse session frequency.
   * @default 'vsknn'
   */
  variant?: 'sknn' | 'vsknn' | 'stan' | 'vstan';
  /** `stan`: the weight of the current session's click k places before the last is exp(-k / queryDecay). @default 2 */
  queryDecay?: number;
  /** `stan`: a neighbour session last active Δt before the query votes with exp(-Δt / neighbourAgeMs). @default 3 hours */
  neighbourAgeMs?: number;
  /** `stan`: an item d places from the shared item in a neighbour session gets exp(-d / positionDecay) of its vote. @default 2 */
  positionDecay?: number;
  /** `vstan`: a neighbour whose most recent shared item is k clicks before the last votes with exp(-k / matchDecay). @default 2 */
  matchDecay?: number;
  /** `vstan`: a voted item's vote is multiplied by 1 + idfWeight × log(sessions / sessions containing it) (`idf` is not used). @default 1 */
  idfWeight?: number;
  /** Neighbour sessions that vote. @default 100 */
  neighbors?: number;
  /** Most recent candidate sessions (sharing an item with the current one) compared. @default 500 */
  sampleSize?: number;
  /** Past sessions kept, the most recent (memory bound). @default 200_000 */
  maxSessions?: number;
  /** Items of the current session read by a query, the last ones. @default 10 */
  queryItems?: number;
  /** Weigh each voted item by its inverse session frequency, damping ubiquitous items. @default true */
  idf?: boolean;
  /** Inactivity that ends a session without a session id. @default 30 minutes */
  sessionGapMs?: number;
  /** Items kept per session, the last ones. @default 50 */
  maxSessionLength?: number;
  /**
   * Sessions held open at most (memory bound: a few hundred bytes each); past it, the least
   * recently active is closed early, counted in `stateStats().openSessionsEvicted`. @default 100_000
   */
  maxOpenSessions?: number;
}

/** The model returned by {@link createSessionKnnModel}. */
export interface SessionKnnModel extends InMemoryModel {
  /** Past sessions currently held. */
  readonly sessions: number;
  /** Items with an index of recent sessions (items only in forgotten sessions are dropped). */
  readonly indexedItems: number;
}

const KIND = 'session-knn';
/** 2: each past session keeps its owner (the user), so that an erasure finds it. 3: and its last click time. */
const FORMAT_VERSION = 3;

/**
 * Session-based k-nearest neighbours (S-kNN and V-SkNN, Ludewig & Jannach 2018; STAN, Garg et al.
 * 2019, which adds time: recent clicks, recent neighbours and nearby items count more; V-STAN,
 * Ludewig et al. 2021, STAN with V-SkNN's match position and IDF weighting): the current
 * session is compared with recent past sessions that share an item with it, and the items of
 * the most similar ones are recommended, each voted for by its sessions' similarities. It learns
 * online: `observe` appends a click to its session and indexes it, in O(1). Memory is bounded:
 * `maxSessions` past sessions in a ring (the oldest are forgotten) and, per item, the last
 * `sampleSize` sessions that contain it.
 *
 * @example
 * ```ts
 * const knn = createSessionKnnModel({ variant: 'vsknn', neighbors: 100 });
 * await knn.fit(dataset);
 * knn.recommend({ history: new Int32Array(0), session: Int32Array.of(4, 17), k: 10 });
 * ```
 */
export function createSessionKnnModel(options: SessionKnnOptions = {}): SessionKnnModel {
  const config = {
    variant: options.variant ?? 'vsknn',
    neighbors: options.neighbors ?? 100,
    sampleSize: options.sampleSize ?? 500,
    maxSessions: options.maxSessions ?? 200_000,
    queryItems: options.queryItems ?? 10,
    idf: options.idf ?? true,
    sessionGapMs: options.sessionGapMs ?? DEFAULT_SESSION_GAP_MS,
    maxSessionLength: options.maxSessionLength ?? 50,
    maxOpenSessions: options.maxOpenSessions ?? DEFAULT_MAX_OPEN_SESSIONS,
    queryDecay: options.queryDecay ?? 2,
    neighbourAgeMs: options.neighbourAgeMs ?? 3 * 3_600_000,
    positionDecay: options.positionDecay ?? 2,
    matchDecay: options.matchDecay ?? 2,
    idfWeight: options.idfWeight ?? 1,
  };
  const check = (ok: boolean, field: string, value: unknown, why: string) => checkOption(KIND, ok, field, value, why);
  check(['sknn', 'vsknn', 'stan', 'vstan'].includes(config.variant), 'variant', config.variant, "must be 'sknn', 'vsknn', 'stan' or 'vstan'");
  for (const field of ['queryDecay', 'neighbourAgeMs', 'positionDecay', 'matchDecay'] as const) {
    check(config[field] > 0 && Number.isFinite(config[field]), field, config[field], 'must be a positive number');
  }
  check(config.idfWeight >= 0 && Number.isFinite(config.idfWeight), 'idfWeight', config.idfWeight, 'must be a non-negative number');
  // V-STAN is STAN with two more factors (see the variant's documentation).
  const vstan = config.variant === 'vstan';
  const stan = config.variant === 'stan' || vstan;
  for (const field of ['neighbors', 'sampleSize', 'maxSessions', 'queryItems', 'maxSessionLength', 'maxOpenSessions'] as const) {
    check(Number.isInteger(config[field]) && config[field] >= 1, field, config[field], 'must be a positive integer');
  }
  check(config.sessionGapMs > 0, 'sessionGapMs', config.sessionGapMs, 'must be positive');

  const ring = config.maxSessions;
  let catalog: ItemCatalog | undefined;
  let trained = false;
  // Past sessions in a ring indexed by sid % maxSessions; a slot is alive when its sid is among the last maxSessions.
  let slotSid = new Float64Array(ring).fill(-1);
  let slotItems: (number[] | undefined)[] = new Array(ring);
  let slotOwner: (string | undefined)[] = new Array(ring);
  // Each past session's last click time, and the latest click seen (the time of a query without `now`).
  let slotLast = new Float64Array(ring);
  let clock = 0;
  let tracker = new SessionTracker(config.sessionGapMs, config.maxSessionLength, config.maxOpenSessions);
  // Per item: the last `sampleSize` sids containing it (a ring), and how many sessions ever did.
  let postings: (Int32Array | undefined)[] = [];
  let postingCount = new Int32Array(0);
  // Query scratch.
  let itemMark = new Int32Array(0);
  let itemWeight = new Float32Array(0);
  const scores = new ScoreAccumulator();
  let slotMark = new Int32Array(ring);
  let stamp = 0;
  const neighbourHeap = new TopK(config.neighbors);

  const alive = (sid: number) => sid >= 0 && sid > tracker.started - 1 - ring && slotSid[sid % ring] === sid;

  function index(item: number, sid: number): void {
    if (item >= postings.length) {
      postings.length = Math.max(item + 1, postings.length * 2, 1024);
      postingCount = growArray(postingCount, postings.length, 0, 1024);
    }
    let list = postings[item];
    const count = postingCount[item]!;
    if (!list || (count >= list.length && list.length < config.sampleSize)) {
      const next = new Int32Array(Math.min(config.sampleSize, Math.max(4, (list?.length ?? 0) * 2)));
      if (list) next.set(list);
      postings[item] = list = next;
    }
    list[count % list.length] = sid;
    postingCount[item] = count + 1;
  }

  function observe(event: ObservedInteraction): void {
    if (!(event.weight > 0) || event.item < 0) return;
    const t = event.timestamp;
    const session = tracker.sessionAt(sessionKey(event), t, event.userId);
    const slot = session.sid % ring;
    if (t > clock) clock = t;
    if (slotSid[slot] !== session.sid) {
      slotSid[slot] = session.sid;
      slotItems[slot] = session.items; // shared with the tracker while the session is open
      slotOwner[slot] = session.owner;
      if (session.sid % Math.max(1, ring >> 2) === 0) dropStaleItems();
    }
    if (!session.items.includes(event.item)) {
      tracker.push(session, event.item, t);
      index(event.item, session.sid);
    } else if (t > session.last) session.last = t;
    slotLast[slot] = session.last;
    tracker.sweep(t);
  }

  /** Frees the index of items whose newest session has been forgotten (stale articles). */
  function dropStaleItems(): void {
    for (let item = 0; item < postings.length; item++) {
      const list = postings[item];
      if (!list) continue;
      const count = postingCount[item]!;
      if (!alive(list[(count - 1) % list.length]!)) {
        postings[item] = undefined;
        postingCount[item] = 0;
      }
    }
  }

  function notTrained(): never {
    throw new MyContentError('NOT_TRAINED', 'the session-kNN model is not trained', { source: KIND });
  }

  /** Scores the items of the neighbours of the query's session. */
  function accumulate(query: Pick<ModelQuery, 'session' | 'history' | 'sessionId' | 'now'>): void {
    const items = querySession(query, config.queryItems);
    const size = Math.max(catalog?.size ?? 0, postings.length, ...items) + 1;
    scores.reset(size);
    if (items.length === 0) return;
    if (itemMark.length < size) {
      itemMark = growArray(itemMark, size, 0, 1024);
      itemWeight = growArray(itemWeight, size, 0, 1024);
    }
    stamp++;
    if (stamp === 0x7fffffff) {
      stamp = 1;
      itemMark.fill(0);
      slotMark.fill(0);
    }
    // Query item weights: V-SkNN favours the latest clicks (1/position from the end), STAN decays
    // them exponentially from the last click.
    let distinct = 0;
    for (let p = items.length - 1, pos = 1; p >= 0; p--, pos++) {
      const item = items[p]!;
      if (item < 0 || itemMark[item] === stamp) continue;
      itemMark[item] = stamp;
      itemWeight[item] = config.variant === 'vsknn' ? 1 / pos : stan ? Math.exp(-(pos - 1) / config.queryDecay) : 1;
      distinct++;
    }
    const now = query.now ?? clock;
    const own = query.sessionId === undefined ? -1 : (tracker.get(`s:${query.sessionId}`)?.sid ?? -1);
    // Candidates: the most recent sessions holding a query item.
    const candidates: number[] = [];
    for (let p = 0; p < items.length; p++) {
      const item = items[p]!;
      const list = item >= 0 ? postings[item] : undefined;
      if (!list) continue;
      const count = postingCount[item]!;
      const held = Math.min(count, list.length);
      for (let h = 0; h < held; h++) {
        const sid = list[(count - 1 - h) % list.length]!;
        const slot = sid % ring;
        if (slotMark[slot] === stamp || sid === own || !alive(sid)) continue;
        slotMark[slot] = stamp;
        candidates.push(sid);
      }
    }
    let sample: ArrayLike<number> = candidates;
    if (candidates.length > config.sampleSize) {
      const sorted = Float64Array.from(candidates).sort();
      sample = sorted.subarray(sorted.length - config.sampleSize);
    }
    neighbourHeap.reset(config.neighbors);
    // STAN ages a neighbour from the query time, or from the newest candidate when the query is
    // later than all of them (a common factor changes no order, and the votes do not underflow).
    let reference = now;
    if (stan) {
      let newest = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < sample.length; c++) newest = Math.max(newest, slotLast[sample[c]! % ring]!);
      reference = Math.min(now, newest);
    }
    for (let c = 0; c < sample.length; c++) {
      const sid = sample[c]!;
      const sessionItems = slotItems[sid % ring]!;
      let dot = 0;
      for (const item of sessionItems) if (itemMark[item] === stamp) dot += itemWeight[item]!;
      if (dot === 0) continue;
      let similarity = dot;
      if (config.variant === 'sknn') similarity = dot / Math.sqrt(distinct * sessionItems.length);
      else if (stan) similarity = (dot / Math.sqrt(distinct * sessionItems.length)) * Math.exp(-Math.max(0, reference - slotLast[sid % ring]!) / config.neighbourAgeMs);
      neighbourHeap.push(sid, similarity);
    }
    const { items: neighbours, scores: similarities } = neighbourHeap.drain();
    const total = Math.max(1, Math.min(tracker.started, ring));
    for (let k = 0; k < neighbours.length; k++) {
      const similarity = similarities[k]!;
      const sessionItems = slotItems[neighbours[k]! % ring]!;
      // STAN: the position in the neighbour of its item most recent in the current session.
      let anchor = -1;
      let best = 0;
      if (stan) {
        for (let p = 0; p < sessionItems.length; p++) {
          const item = sessionItems[p]!;
          if (itemMark[item] === stamp && itemWeight[item]! > best) {
            best = itemWeight[item]!;
            anchor = p;
          }
        }
      }
      // V-STAN: the shared item's query weight exp(-k / queryDecay) gives k, its distance from the last click.
      const match = vstan ? Math.exp((config.queryDecay * Math.log(best)) / config.matchDecay) : 1;
      for (let p = 0; p < sessionItems.length; p++) {
        const item = sessionItems[p]!;
        const vote = stan ? similarity * match * Math.exp(-Math.abs(p - anchor) / config.positionDecay) : similarity;
        if (vstan) scores.add(item, vote * (1 + config.idfWeight * Math.max(0, Math.log(total / Math.max(1, postingCount[item]!)))));
        else scores.add(item, config.idf ? vote * Math.log(1 + total / Math.max(1, postingCount[item]!)) : vote);
      }
    }
  }

  const model: SessionKnnModel = {
    kind: KIND,
    capabilities: { online: true, personalized: true, sequential: true, trending: false, similarItems: false },
    get trained() {
      return trained;
    },
    get indexedItems() {
      let held = 0;
      for (const list of postings) if (list) held++;
      return held;
    },
    get sessions() {
      let held = 0;
      const started = tracker.started;
      for (let sid = Math.max(0, started - ring); sid < started; sid++) if (alive(sid) && (slotItems[sid % ring]?.length ?? 0) > 0) held++;
      return held;
    },
    async fit(data: InteractionDataset, context: FitContext = {}) {
      throwIfAborted(context.signal, KIND);
      catalog = data.catalog;
      slotSid = new Float64Array(ring).fill(-1);
      slotItems = new Array(ring);
      slotOwner = new Array(ring);
      slotLast = new Float64Array(ring);
      clock = 0;
      slotMark = new Int32Array(ring);
      tracker = new SessionTracker(config.sessionGapMs, config.maxSessionLength, config.maxOpenSessions);
      postings = [];
      postingCount = new Int32Array(Math.max(1024, data.catalog.size));
      await replayDataset(data, observe, {
        source: KIND,
        signal: context.signal,
        onProgress: (done, total) => context.onProgress?.({ phase: 'sessions', done, total }),
      });
      trained = true;
    },
    observe(event) {
      if (trained) observe(event);
    },
    recommend(query: ModelQuery): ScoredItems {
      if (!trained) notTrained();
      if (query.k < 1) return NO_ITEMS;
      accumulate(query);
      return scores.top(query.k, query.filter);
    },
    score(query, candidates) {
      if (!trained) notTrained();
      accumulate(query);
      return scores.scoresOf(candidates);
    },
    stateStats: () => ({
      openSessions: tracker.size,
      openSessionsLimit: tracker.maxOpen,
      openSessionsEvicted: tracker.evicted,
      sessions: model.sessions,
      sessionsLimit: ring,
    }),
    forgetUser(userId) {
      tracker.forgetOwner(userId);
      for (let slot = 0; slot < ring; slot++) {
        if (slotOwner[slot] !== userId) continue;
        // A dead slot: its sid stays in the postings but is no longer alive, so no query reads it.
        slotSid[slot] = -1;
        slotItems[slot] = undefined;
        slotOwner[slot] = undefined;
      }
    },
    userData(userId) {
      const sessions: string[][] = [];
      const started = tracker.started;
      for (let sid = Math.max(0, started - ring); sid < started; sid++) {
        const slot = sid % ring;
        if (alive(sid) && slotOwner[slot] === userId) sessions.push(slotItems[slot]!.map((item) => catalog?.idAt(item) ?? String(item)));
      }
      return sessions.length === 0 ? undefined : { sessions };
    },
    untrainedCopy: () => createSessionKnnModel(options),
    toArtifact(): ModelArtifact {
      if (!trained || !catalog) notTrained();
      // Past sessions, oldest first, as CSR item lists, with their owners and last click times.
      const lists: number[][] = [];
      const owners: (string | null)[] = [];
      const lastTimes: number[] = [];
      const started = tracker.started;
      for (let sid = Math.max(0, started - ring); sid < started; sid++) {
        const items = alive(sid) ? slotItems[sid % ring] : undefined;
        if (items && items.length > 0) {
          lists.push(items);
          owners.push(slotOwner[sid % ring] ?? null);
          lastTimes.push(slotLast[sid % ring]!);
        }
      }
      const start = new Int32Array(lists.length + 1);
      for (let s = 0; s < lists.length; s++) start[s + 1] = start[s]! + lists[s]!.length;
      const items = new Int32Array(start[lists.length]!);
      lists.forEach((list, s) => items.set(list, start[s]!));
      return {
        kind: KIND,
        formatVersion: FORMAT_VERSION,
        state: { config, itemIds: catalog.idList().slice(), owners, clock },
        arrays: { start, items, times: Float64Array.from(lastTimes) },
      };
    },
    restore(artifact: ModelArtifact, target: ItemCatalog) {
      assertArtifactKind(artifact, KIND, FORMAT_VERSION);
      const state = artifact.state as { itemIds: string[]; owners?: (string | null)[]; clock?: number };
      const times = artifact.arrays.times as Float64Array | undefined; // format 3
      const map = bindItemIds(state.itemIds, target);
      const start = artifact.arrays.start as Int32Array;
      const items = artifact.arrays.items as Int32Array;
      catalog = target;
      slotSid = new Float64Array(ring).fill(-1);
      slotItems = new Array(ring);
      slotOwner = new Array(ring);
      slotLast = new Float64Array(ring);
      clock = state.clock ?? 0;
      slotMark = new Int32Array(ring);
      tracker = new SessionTracker(config.sessionGapMs, config.maxSessionLength, config.maxOpenSessions);
      postings = [];
      postingCount = new Int32Array(Math.max(1024, target.size));
      for (let s = 0; s < start.length - 1; s++) {
        const session = tracker.sessionAt(`restored:${s}`, 0);
        slotSid[session.sid % ring] = session.sid;
        slotItems[session.sid % ring] = session.items;
        slotOwner[session.sid % ring] = state.owners?.[s] ?? undefined; // format 1 kept no owners
        slotLast[session.sid % ring] = times?.[s] ?? clock;
        for (let k = start[s]!; k < start[s + 1]!; k++) {
          const item = map[items[k]!]!;
          tracker.push(session, item, 0);
          index(item, session.sid);
        }
      }
      tracker.clear();
      trained = true;
    },
  };
  return model;
}
