import {
  INTERACTION_TYPES,
  ITEM_STAT_COUNTERS,
  emptyItemStats,
  type Interaction,
  type ArmState,
  type BanditStateStore,
  type InteractionErasure,
  type InteractionLog,
  type ItemStore,
  type ItemStatsStore,
  type ProfileStore,
  type Item,
  type ItemStats,
  type ItemStatsDelta,
  type RecommendationStore,
  type ScanOptions,
  type User,
  type UserInteractionsOptions,
  type UserProfile,
} from '@mycontent/core';
import { INTERACTION_TYPE_CODES, StringInterner, addVectors, cloneProfile, growArray, mergeArmDeltas } from '@mycontent/core/internal';

/** Name of the memory store adapter. */
export const MEMORY_STORE_NAME = 'memory-store';

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /** Initial capacity of the interaction columns (they grow as needed). @default 65_536 */
  initialCapacity?: number;
}

/**
 * An in-process store, every part of the port on one process's memory. Interactions are kept in
 * columns (typed arrays, interned ids and contexts) so the full Globo.com log (3M clicks) fits in
 * a few hundred MB, with a per-user row index for fast history reads. Every batch is applied
 * synchronously, so it is all or nothing. Nothing survives the process.
 *
 * @example
 * ```ts
 * import { createMemoryStore } from '@mycontent/adapters/memory';
 * const store = createMemoryStore();
 * ```
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): RecommendationStore & { readonly bandits: BanditStateStore } {
  let items = new Map<string, Item>();
  let users = new Map<string, User>();
  let stats = new Map<string, ItemStats>();
  let profiles = new Map<string, UserProfile>();
  // Interaction columns.
  let cap = Math.max(1024, options.initialCapacity ?? 65_536);
  let n = 0;
  let userCol = new Int32Array(cap);
  let itemCol = new Int32Array(cap);
  let typeCol = new Uint8Array(cap);
  let timeCol = new Float64Array(cap);
  let sessionCol = new Int32Array(cap);
  let ratingCol = new Float64Array(cap);
  let durationCol = new Float64Array(cap);
  let contextCol = new Int32Array(cap);
  let deleted = new Uint8Array(cap);
  let deletedCount = 0;
  let userIds = new StringInterner();
  let itemIds = new StringInterner();
  let sessionIds = new StringInterner();
  let contextKeys = new StringInterner();
  let contexts: Record<string, string | number | boolean>[] = [];
  let eventIds = new Map<number, string>();
  let recommendationIds = new Map<number, string>();
  let storedEvents = new Set<string>();
  let bandits = new Map<string, Map<string, ArmState>>(); // per bandit, "<bucket>\0<arm>" -> row
  let rowsByUser = new Map<number, number[]>();

  function ensureCapacity(extra: number) {
    if (n + extra <= cap) return;
    while (cap < n + extra) cap *= 2;
    userCol = growArray(userCol, cap);
    itemCol = growArray(itemCol, cap);
    typeCol = growArray(typeCol, cap);
    timeCol = growArray(timeCol, cap);
    sessionCol = growArray(sessionCol, cap);
    ratingCol = growArray(ratingCol, cap);
    durationCol = growArray(durationCol, cap);
    contextCol = growArray(contextCol, cap);
    deleted = growArray(deleted, cap);
  }

  function row(i: number): Interaction {
    const x: Interaction = {
      userId: userIds.values[userCol[i]!]!,
      itemId: itemIds.values[itemCol[i]!]!,
      type: INTERACTION_TYPES[typeCol[i]!]!,
      timestamp: timeCol[i]!,
    };
    if (sessionCol[i]! >= 0) x.sessionId = sessionIds.values[sessionCol[i]!]!;
    if (!Number.isNaN(ratingCol[i]!)) x.rating = ratingCol[i]!;
    if (!Number.isNaN(durationCol[i]!)) x.duration = durationCol[i]!;
    if (contextCol[i]! >= 0) x.context = { ...contexts[contextCol[i]!]! };
    const eventId = eventIds.get(i);
    if (eventId !== undefined) x.eventId = eventId;
    const recommendationId = recommendationIds.get(i);
    if (recommendationId !== undefined) x.recommendationId = recommendationId;
    return x;
  }

  /** The interactions whose event id is not stored yet (nor repeated earlier in the batch). */
  function freshOf(batch: readonly Interaction[]): Interaction[] {
    const seen = new Set<string>();
    return batch.filter((x) => {
      if (x.eventId === undefined) return true;
      if (storedEvents.has(x.eventId) || seen.has(x.eventId)) return false;
      seen.add(x.eventId);
      return true;
    });
  }

  function append(batch: readonly Interaction[]) {
    ensureCapacity(batch.length);
    for (const x of batch) {
      const i = n++;
      const u = userIds.code(x.userId);
      userCol[i] = u;
      itemCol[i] = itemIds.code(x.itemId);
      typeCol[i] = INTERACTION_TYPE_CODES[x.type];
      timeCol[i] = x.timestamp;
      sessionCol[i] = x.sessionId === undefined ? -1 : sessionIds.code(x.sessionId);
      ratingCol[i] = x.rating ?? Number.NaN;
      durationCol[i] = x.duration ?? Number.NaN;
      if (x.context === undefined) contextCol[i] = -1;
      else {
        const key = JSON.stringify(x.context);
        const c = contextKeys.code(key);
        if (c === contexts.length) contexts.push(Object.freeze({ ...x.context }));
        contextCol[i] = c;
      }
      deleted[i] = 0;
      if (x.recommendationId !== undefined) recommendationIds.set(i, x.recommendationId);
      if (x.eventId !== undefined) {
        eventIds.set(i, x.eventId);
        storedEvents.add(x.eventId);
      }
      let rows = rowsByUser.get(u);
      if (!rows) rowsByUser.set(u, (rows = []));
      rows.push(i);
    }
  }

  /** A user's rows before `before`, newest first (stable on insertion order), at most `limit`. */
  function history(userId: string, limit: number, before: number): Interaction[] {
    const u = userIds.find(userId);
    const rows = u === undefined ? undefined : rowsByUser.get(u);
    if (!rows) return [];
    // Rows are in insertion order; sort the candidates by time only when needed.
    const candidates = rows.filter((i) => timeCol[i]! < before);
    let sorted = true;
    for (let k = 1; k < candidates.length; k++) {
      if (timeCol[candidates[k]!]! < timeCol[candidates[k - 1]!]!) {
        sorted = false;
        break;
      }
    }
    if (!sorted) candidates.sort((a, b) => timeCol[a]! - timeCol[b]! || a - b);
    const out: Interaction[] = [];
    for (let k = candidates.length - 1; k >= 0 && out.length < limit; k--) out.push(row(candidates[k]!));
    return out;
  }

  function addStats(deltas: readonly ItemStatsDelta[]) {
    for (const delta of deltas) {
      let s = stats.get(delta.itemId);
      if (!s) stats.set(delta.itemId, (s = emptyItemStats(delta.itemId)));
      for (const counter of ITEM_STAT_COUNTERS) {
        const v = delta[counter];
        if (v !== undefined) s[counter] += v;
      }
      if (delta.lastInteractionAt !== undefined && delta.lastInteractionAt > s.lastInteractionAt) {
        s.lastInteractionAt = delta.lastInteractionAt;
      }
    }
  }

  const itemPart: ItemStore = {
    async upsert(batch) {
      for (const item of batch) items.set(item.id, Object.freeze({ ...item }));
    },
    async get(ids) {
      return ids.map((id) => items.get(id));
    },
    async *scan(scan: ScanOptions = {}) {
      const size = scan.batchSize ?? 10_000;
      let page: Item[] = [];
      for (const item of [...items.values()]) {
        page.push(item);
        if (page.length >= size) {
          yield page;
          page = [];
        }
      }
      if (page.length > 0) yield page;
    },
    async delete(ids) {
      for (const id of ids) items.delete(id);
    },
    async clear() {
      items = new Map();
    },
  };

  const profilePart: ProfileStore = {
    async upsertUsers(batch) {
      for (const user of batch) users.set(user.id, structuredClone(user));
    },
    async getUser(id) {
      const user = users.get(id);
      return user === undefined ? undefined : structuredClone(user);
    },
    async get(userId) {
      const p = profiles.get(userId);
      return p === undefined ? undefined : cloneProfile(p);
    },
    async update(userIds, update) {
      // Synchronous from read to write: no other call interleaves.
      const current = new Map<string, UserProfile | undefined>();
      for (const id of userIds) current.set(id, profiles.get(id));
      const written = update(current);
      for (const p of written) profiles.set(p.userId, cloneProfile(p));
      return written.map(cloneProfile);
    },
    async deleteUser(userId) {
      users.delete(userId);
      profiles.delete(userId);
    },
    async clear() {
      users = new Map();
      profiles = new Map();
    },
  };

  const statsPart: ItemStatsStore = {
    name: MEMORY_STORE_NAME,
    async incrementItemStats(deltas: readonly ItemStatsDelta[]) {
      addStats(deltas);
    },
    async getItemStats(ids) {
      return ids.map((id) => {
        const s = stats.get(id);
        return s ? { ...s } : emptyItemStats(id);
      });
    },
    async clear() {
      stats = new Map();
    },
  };

  const interactionPart: InteractionLog = {
    async append(batch) {
      append(freshOf(batch));
    },
    async record(record) {
      // Synchronous from here to the end: no other call interleaves, so the write is atomic
      // and the profiles cannot change between read and write.
      const fresh = freshOf(record.interactions);
      const current = new Map<string, UserProfile | undefined>();
      for (const x of fresh) current.set(x.userId, profiles.get(x.userId));
      const effects = record.apply(fresh, current);
      append(fresh);
      if (effects.itemStats) addStats(effects.itemStats);
      for (const p of effects.profiles) profiles.set(p.userId, cloneProfile(p));
      return { recorded: fresh };
    },
    async ofUser(userId, query: UserInteractionsOptions = {}) {
      return history(userId, query.limit ?? 500, query.before ?? Number.POSITIVE_INFINITY);
    },
    async *scan(scan: ScanOptions = {}) {
      const size = scan.batchSize ?? 10_000;
      const end = n;
      for (let from = 0; from < end; from += size) {
        const page: Interaction[] = [];
        const to = Math.min(end, from + size);
        for (let i = from; i < to; i++) if (deleted[i] === 0) page.push(row(i));
        if (page.length > 0) yield page;
      }
    },
    async count() {
      return n - deletedCount;
    },
    async expireBefore(before) {
      const expiredUsers = new Set<number>();
      for (let i = 0; i < n; i++) {
        if (deleted[i] !== 0 || !(timeCol[i]! < before)) continue;
        deleted[i] = 1;
        deletedCount++;
        expiredUsers.add(userCol[i]!);
        const eventId = eventIds.get(i);
        if (eventId !== undefined) storedEvents.delete(eventId);
        eventIds.delete(i);
        recommendationIds.delete(i);
      }
      for (const u of expiredUsers) {
        const kept = rowsByUser.get(u)?.filter((i) => deleted[i] === 0) ?? [];
        if (kept.length > 0) rowsByUser.set(u, kept);
        else rowsByUser.delete(u);
      }
      return { expiredBefore: before };
    },
    async erase(userId, mode: InteractionErasure) {
      const u = userIds.find(userId);
      const rows = u === undefined ? undefined : rowsByUser.get(u);
      if (u === undefined || !rows) return 0;
      rowsByUser.delete(u);
      let affected = 0;
      if (mode === 'delete') {
        for (const i of rows) {
          if (deleted[i] === 0) {
            deleted[i] = 1;
            deletedCount++;
            affected++;
          }
          const eventId = eventIds.get(i);
          if (eventId !== undefined) storedEvents.delete(eventId);
          eventIds.delete(i);
          recommendationIds.delete(i);
        }
      } else {
        // A fresh pseudonym that nothing links back to the user.
        const pseudonym = userIds.code(`anonymous:${crypto.randomUUID()}`);
        rowsByUser.set(pseudonym, rows);
        for (const i of rows) {
          userCol[i] = pseudonym;
          contextCol[i] = -1;
          sessionCol[i] = -1;
          const eventId = eventIds.get(i);
          if (eventId !== undefined) storedEvents.delete(eventId);
          eventIds.delete(i);
          recommendationIds.delete(i);
          if (deleted[i] === 0) affected++;
        }
      }
      // Forget the id itself: a returning user gets a new code.
      userIds.forget(userId);
      return affected;
    },
    async clear() {
      n = 0;
      deletedCount = 0;
      userIds = new StringInterner();
      itemIds = new StringInterner();
      sessionIds = new StringInterner();
      contextKeys = new StringInterner();
      contexts = [];
      eventIds = new Map();
      recommendationIds = new Map();
      storedEvents = new Set();
      rowsByUser = new Map();
    },
  };

  const banditPart: BanditStateStore = {
    async incrementArms(bandit, deltas) {
      let rows = bandits.get(bandit);
      if (!rows) bandits.set(bandit, (rows = new Map()));
      for (const d of mergeArmDeltas(deltas)) {
        const key = `${d.bucket}\u0000${d.arm}`;
        const row = rows.get(key);
        if (!row) rows.set(key, d);
        else {
          row.pulls += d.pulls;
          row.reward += d.reward;
          if (d.vector) row.vector = addVectors(row.vector, d.vector);
        }
      }
    },
    async getArms(bandit, selection = {}) {
      const arms = selection.arms ? new Set(selection.arms) : undefined;
      const out: ArmState[] = [];
      for (const row of bandits.get(bandit)?.values() ?? []) {
        if (arms && !arms.has(row.arm)) continue;
        if (selection.sinceBucket !== undefined && row.bucket < selection.sinceBucket) continue;
        out.push({ ...row, ...(row.vector ? { vector: [...row.vector] } : {}) });
      }
      return out;
    },
    async deleteArms(bandit, selection) {
      const rows = bandits.get(bandit);
      if (!rows) return;
      const arms = selection.arms ? new Set(selection.arms) : undefined;
      for (const [key, row] of rows) {
        if (arms && !arms.has(row.arm)) continue;
        if (selection.beforeBucket !== undefined && row.bucket >= selection.beforeBucket) continue;
        rows.delete(key);
      }
    },
  };

  const store: RecommendationStore & { bandits: BanditStateStore } = {
    name: MEMORY_STORE_NAME,
    capabilities: { transactions: true, persistent: false },
    items: itemPart,
    interactions: interactionPart,
    profiles: profilePart,
    itemStats: statsPart,
    bandits: banditPart,
    async clear() {
      await Promise.all([itemPart.clear(), profilePart.clear(), statsPart.clear(), interactionPart.clear()]);
      bandits = new Map();
    },
    async ping() {},
  };
  return store;
}
