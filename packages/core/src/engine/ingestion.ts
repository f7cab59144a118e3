import { embeddingSchema, idSchema, interactionSchema, itemSchema, type Interaction, type InteractionInput, type ItemInput, type ItemStatsDelta } from '../domain/schemas';
import { parseBatch, parseInput } from '../domain/validate';
import { MyContentError } from '../errors/error';
import type { ObservedInteraction } from '../model/contract';
import { interactionWeight } from '../model/dataset';
import { DEFAULT_HISTORY_LENGTH } from '../session/session';
import { ENGINE } from './config';
import type { EngineCore } from './core';
import { applyInteractionToProfile, cloneProfile, emptyProfile } from './profile';
import type { IngestReport, ObserveReport } from './types';

/**
 * `ingestItems()`: validates items, embeds those that arrive with text only, checks embedding
 * dimensions, stores them (one batch) and makes them recommendable at once (catalogue, content
 * models).
 */
export async function ingestItems(core: EngineCore, input: readonly ItemInput[]): Promise<IngestReport> {
  const items = parseBatch(itemSchema, input, 'item', ENGINE);
  await core.ensureCatalog();
  const { embedder } = core;
  if (embedder) {
    const missing = items.filter((item) => item.embedding === undefined && (item.title || item.summary || item.body));
    if (missing.length > 0) {
      const vectors = await embedder.embed(missing.map((item) => [item.title, item.summary, item.body].filter(Boolean).join('\n')));
      missing.forEach((item, i) => (item.embedding = parseInput(embeddingSchema, vectors[i], `embedding of item ${item.id} from ${embedder.name}`, ENGINE)));
    }
  }
  const issues = [];
  for (let i = 0; i < items.length; i++) {
    const embedding = items[i]!.embedding;
    if (embedding === undefined) continue;
    core.embeddingDimension ??= embedding.length;
    if (embedding.length !== core.embeddingDimension) {
      issues.push({ index: i, field: 'embedding', value: embedding.length, message: `has dimension ${embedding.length}, the catalogue uses ${core.embeddingDimension}` });
    }
  }
  if (issues.length > 0) {
    throw new MyContentError('INVALID_INPUT', `invalid item: record ${issues[0]!.index}: embedding ${issues[0]!.message}`, { source: ENGINE, issues });
  }
  await core.store.items.upsert(items);
  for (const item of items) core.catalog.upsert(item);
  await core.indexContent(items);
  core.catalogueChangedAt = core.clock();
  await core.cache.invalidateShared(['trending', 'similar']);
  return { written: items.length };
}

/**
 * `removeItems()`: deletes items from the store and deactivates them in the catalogue, so that no
 * source returns them; a cached list that names one is recomputed on its next read.
 */
export async function removeItems(core: EngineCore, input: readonly string[]): Promise<IngestReport> {
  const ids = parseBatch(idSchema, input, 'item id', ENGINE);
  await core.ensureCatalog();
  await core.store.items.delete(ids);
  let removed = 0;
  for (const id of ids) {
    const i = core.catalog.indexOf(id);
    if (i >= 0 && core.catalog.active[i] === 1) removed++;
    core.catalog.deactivate(id);
  }
  core.catalogueChangedAt = core.clock();
  return { written: removed };
}

/** `ingestInteractions()`: validates a batch and applies it (see {@link applyInteractions}). */
export async function ingestInteractions(core: EngineCore, input: readonly InteractionInput[]): Promise<IngestReport> {
  const batch = parseBatch(interactionSchema, input, 'interaction', ENGINE);
  if (batch.length === 0) return { written: 0, duplicates: 0, users: [] };
  await core.ensureCatalog();
  return applyInteractions(core, batch);
}

/**
 * `observeInteractions()`: interactions another process stores, fed to this process's online
 * models only — nothing written, no cache touched. Each event id is observed once (the last ones
 * are remembered), and each user's previous items come from what this process observed.
 */
export async function observeInteractions(core: EngineCore, input: readonly InteractionInput[]): Promise<ObserveReport> {
  const batch = parseBatch(interactionSchema, input, 'interaction', ENGINE);
  if (batch.length === 0) return { observed: 0, duplicates: 0 };
  await core.ensureCatalog();
  const fresh = batch.filter((x) => x.eventId === undefined || !core.observed.seen(x.eventId));
  const resolved = new Map<Interaction, { item: number; weight: number }>();
  const recentBefore = new Map<string, readonly string[]>();
  const added = new Map<string, string[]>();
  for (const x of fresh) {
    const weight = interactionWeight(x, core.config.ranker.interactionWeights);
    resolved.set(x, { item: core.catalog.ensure(x.itemId), weight });
    if (!recentBefore.has(x.userId)) recentBefore.set(x.userId, core.observed.recent(x.userId));
    if (weight > 0) {
      const items = added.get(x.userId);
      if (items) items.push(x.itemId);
      else added.set(x.userId, [x.itemId]);
    }
  }
  teachOnlineModels(core, fresh, resolved, recentBefore);
  for (const [userId, items] of added) core.observed.add(userId, items);
  return { observed: fresh.length, duplicates: batch.length - fresh.length };
}

/**
 * `feedback()`: one interaction of a reader, timestamped now unless it says otherwise, on an item
 * of the catalogue (an unknown item is refused: `NOT_FOUND` naming `itemId`).
 */
export async function feedback(core: EngineCore, input: Omit<InteractionInput, 'timestamp'> & { timestamp?: InteractionInput['timestamp'] }): Promise<void> {
  const interaction = parseInput(interactionSchema, { ...input, timestamp: input?.timestamp ?? core.clock() }, 'feedback', ENGINE);
  await core.ensureCatalog();
  if (core.catalog.active[core.catalog.indexOf(interaction.itemId)] !== 1) {
    throw new MyContentError('NOT_FOUND', `feedback on item "${interaction.itemId}", which the catalogue does not hold`, { source: ENGINE, field: 'itemId', value: interaction.itemId });
  }
  await applyInteractions(core, [interaction]);
}

/** Statistic deltas of interactions, one per item. */
function statDeltasOf(interactions: readonly Interaction[]): ItemStatsDelta[] {
  const deltas = new Map<string, ItemStatsDelta>();
  for (const x of interactions) {
    let d = deltas.get(x.itemId);
    if (!d) deltas.set(x.itemId, (d = { itemId: x.itemId, lastInteractionAt: 0 }));
    const counter = STAT_OF_TYPE[x.type];
    d[counter] = (d[counter] ?? 0) + 1;
    if (x.type === 'rating') d.ratingSum = (d.ratingSum ?? 0) + (x.rating ?? 0);
    if (x.duration !== undefined) d.readSeconds = (d.readSeconds ?? 0) + x.duration;
    d.lastInteractionAt = Math.max(d.lastInteractionAt ?? 0, x.timestamp);
  }
  return [...deltas.values()];
}

/** The statistic each interaction type counts in. */
const STAT_OF_TYPE = {
  view: 'views',
  click: 'clicks',
  read: 'reads',
  like: 'likes',
  dislike: 'dislikes',
  share: 'shares',
  rating: 'ratings',
} as const satisfies Record<Interaction['type'], keyof ItemStatsDelta>;

/**
 * Applies validated interactions: one atomic write of the interactions not seen before (by event
 * id), their statistics (when the store keeps them) and the profiles, rewritten from their locked
 * current state so that concurrent ingests lose nothing; then the online models learn, and the
 * users' cached lists are dropped.
 */
export async function applyInteractions(core: EngineCore, batch: Interaction[]): Promise<IngestReport> {
  const { catalog, config } = core;
  const { interactionWeights } = config.ranker;
  const { progressive } = config;
  // Catalogue positions and weights, computed once, outside the store's write.
  const resolved = new Map<Interaction, { item: number; category: string | undefined; weight: number }>();
  for (const x of batch) {
    const item = catalog.ensure(x.itemId);
    resolved.set(x, { item, category: catalog.categoryOf(item), weight: interactionWeight(x, interactionWeights) });
  }
  let statDeltas: ItemStatsDelta[] = [];
  let users: { userId: string; interactionCount: number; added: number }[] = [];
  let recentBefore = new Map<string, readonly string[]>(); // each user's recent items before the batch, newest first
  const { recorded } = await core.store.interactions.record({
    interactions: batch,
    apply: (fresh, current) => {
      statDeltas = statDeltasOf(fresh);
      const byUser = new Map<string, Interaction[]>();
      for (const x of fresh) {
        let list = byUser.get(x.userId);
        if (!list) byUser.set(x.userId, (list = []));
        list.push(x);
      }
      recentBefore = new Map([...byUser.keys()].map((userId) => [userId, current.get(userId)?.recentItems ?? []]));
      const profiles = [...byUser].map(([userId, list]) => {
        const existing = current.get(userId);
        const profile = existing ? cloneProfile(existing) : emptyProfile(userId);
        for (const x of list) {
          const info = resolved.get(x)!;
          // Progressive profiling: a new user's first interactions weigh more.
          const early = progressive && profile.interactionCount < progressive.learning.interactions ? progressive.learning.earlyWeight : 1;
          applyInteractionToProfile(profile, x, info.category, info.weight * early, config.profile);
        }
        return profile;
      });
      users = profiles.map((p) => ({ userId: p.userId, interactionCount: p.interactionCount, added: byUser.get(p.userId)!.length }));
      return core.statsInStore ? { profiles, itemStats: statDeltas } : { profiles };
    },
  });
  core.counters.interactionsIngested += recorded.length;
  if (!core.statsInStore && statDeltas.length > 0) await core.itemStats.incrementItemStats(statDeltas);
  // Online models learn once the write is committed.
  teachOnlineModels(core, recorded, resolved, recentBefore);
  await core.cache.invalidateUsers(users.map((u) => u.userId));
  // Trending counts every interaction at once: no list cached before it is served.
  if (recorded.length > 0) await core.cache.invalidateShared(['trending']);
  return { written: recorded.length, duplicates: batch.length - recorded.length, users };
}

/**
 * Feeds interactions to the online models and the learned ranking stage, in order; each carries
 * the user's previous items (`recentBefore`: newest first, then those earlier in the batch).
 */
function teachOnlineModels(
  core: EngineCore,
  recorded: readonly Interaction[],
  resolved: ReadonlyMap<Interaction, { item: number; weight: number }>,
  recentBefore: ReadonlyMap<string, readonly string[]>,
): void {
  const { catalog, config } = core;
  const { models, names } = config.ranker;
  const online = names.filter((n) => models[n]!.capabilities.online && models[n]!.trained && models[n]!.observe);
  const learned = config.ranker.learned;
  if (online.length > 0 || learned) {
    // Each interaction carries the user's previous items (oldest first), computed only if a
    // model reads them (item-kNN does, popularity does not).
    const batchItems = new Map<string, number[]>();
    const before = new Map<string, number[]>();
    const previousOf = (userId: string, count: number): Int32Array => {
      let old = before.get(userId);
      if (!old) {
        old = [...(recentBefore.get(userId) ?? [])].reverse().map((id) => catalog.indexOf(id)).filter((i) => i >= 0);
        before.set(userId, old);
      }
      return Int32Array.from(old.concat(batchItems.get(userId)!.slice(0, count)).slice(-DEFAULT_HISTORY_LENGTH));
    };
    for (const x of recorded) {
      const info = resolved.get(x)!;
      let mine = batchItems.get(x.userId);
      if (!mine) batchItems.set(x.userId, (mine = []));
      const count = mine.length;
      let previous: Int32Array | undefined;
      const observed: ObservedInteraction = {
        userId: x.userId,
        item: info.item,
        weight: info.weight,
        timestamp: x.timestamp,
        ...(x.sessionId === undefined ? {} : { sessionId: x.sessionId }),
        get previous() {
          return (previous ??= previousOf(x.userId, count));
        },
      };
      for (const name of online) models[name]!.observe!(observed);
      learned?.observe(observed);
      if (info.weight > 0) mine.push(info.item);
    }
  }
}
