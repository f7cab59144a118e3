import type { ItemCatalog } from '../catalog/catalog';
import type { UserProfile } from '../domain/schemas';
import type { ModelQuery } from '../model/contract';
import { currentSessionLength } from '../session/session';
import { buildFilter } from './filters';
import type { RecommendFilters } from './options';
import type { Ranker } from './ranker';

/** One past interaction of the user, as the ranking reads it. */
export interface HistoryEntry {
  /** Catalogue index. */
  item: number;
  /** Signal weight: positive interactions are history, negative ones dislikes. */
  weight: number;
  timestamp: number;
  sessionId?: string | undefined;
}

/** What a user context is built from: the request and what is known of the user. */
export interface UserContextInput {
  userId?: string | undefined;
  /** Time of the request (epoch ms). */
  now: number;
  profile?: UserProfile | undefined;
  /** The user's latest interactions, oldest first (at most `seenWindow` are read). */
  history: readonly HistoryEntry[];
  /** The current session as the request lists it (catalogue indices, oldest first). */
  session?: readonly number[] | undefined;
  /** Items the request excludes (catalogue indices). */
  exclude?: Iterable<number>;
  /** Items no source may show now (new items at their reach). */
  heldBack?: Iterable<number>;
  filters?: RecommendFilters | undefined;
}

/** Everything the ranking stages need to know about the user and the request. */
export interface UserContext {
  userId?: string | undefined;
  now: number;
  profile?: UserProfile | undefined;
  /** Positive history, oldest first, the current session at the end. */
  positive: number[];
  positiveWeights: number[];
  /** Disliked items, oldest first. */
  disliked: number[];
  /** The current session's positive items, oldest first. */
  session: number[];
  /** The current session's id, when known. */
  sessionId?: string | undefined;
  /** Items never to show: seen, excluded, the session's, held back. */
  excluded: Set<number>;
  /** The candidate filter: active, not excluded, matching the request's and the profile's filters. */
  filter: (item: number) => boolean;
  /** Interactions known for the user (the profile's count, else the positive history). */
  interactionCount: number;
}

/**
 * The user-context stage: reads the history (the current session included), the positives and
 * dislikes, what must be excluded, and the candidate filter with the profile's excluded
 * categories. The engine builds it from the store, the replay evaluation from the stream it
 * walks; both then rank with it.
 */
export function buildUserContext(catalog: ItemCatalog, ranker: Ranker, input: UserContextInput): UserContext {
  const { now } = input;
  const { seenWindow, sessionGapMs } = ranker.settings;
  const history = input.history.length > seenWindow ? input.history.slice(input.history.length - seenWindow) : input.history;
  const excluded = new Set<number>(input.exclude);
  const positive: number[] = [];
  const positiveWeights: number[] = [];
  const disliked: number[] = [];
  for (const x of history) {
    excluded.add(x.item);
    if (x.weight > 0) {
      positive.push(x.item);
      positiveWeights.push(x.weight);
    } else if (x.weight < 0) disliked.push(x.item);
  }
  // The current session: as the request lists it (added to the history unless the history
  // already ends with it), else the user's latest interactions (see currentSessionLength).
  const session: number[] = [];
  let sessionId: string | undefined;
  const listed = (input.session ?? []).filter((i) => i >= 0);
  if (listed.length > 0) {
    const tail = positive.length - listed.length;
    const endsWithSession = tail >= 0 && listed.every((item, i) => positive[tail + i] === item);
    for (const item of listed) {
      excluded.add(item);
      session.push(item);
      if (!endsWithSession) {
        positive.push(item);
        positiveWeights.push(ranker.interactionWeights.click);
      }
    }
  } else {
    const length = currentSessionLength(history, now, sessionGapMs);
    if (length > 0) sessionId = history[history.length - 1]!.sessionId;
    for (let h = history.length - length; h < history.length; h++) if (history[h]!.weight > 0) session.push(history[h]!.item);
  }
  if (input.heldBack) for (const item of input.heldBack) excluded.add(item);
  const excludedCategories = input.profile?.preferences.excludedCategories ?? [];
  const filters: RecommendFilters | undefined =
    excludedCategories.length > 0 ? { ...input.filters, excludeCategories: [...(input.filters?.excludeCategories ?? []), ...excludedCategories] } : input.filters;
  return {
    userId: input.userId,
    now,
    profile: input.profile,
    positive,
    positiveWeights,
    disliked,
    session,
    sessionId,
    excluded,
    filter: buildFilter(catalog, excluded, filters, now),
    interactionCount: input.profile?.interactionCount ?? positive.length,
  };
}

/** What the models are asked for a user context: the recent history, the session, `k` candidates. */
export function modelQueryOf(context: UserContext, k: number, historyLength: number): ModelQuery {
  const from = Math.max(0, context.positive.length - historyLength);
  return {
    history: Int32Array.from(context.positive.slice(from)),
    historyWeights: Float32Array.from(context.positiveWeights.slice(from)),
    k,
    filter: context.filter,
    ...(context.disliked.length > 0 ? { dislikes: Int32Array.from(context.disliked) } : {}),
    ...(context.userId === undefined ? {} : { userId: context.userId }),
    ...(context.session.length > 0 ? { session: Int32Array.from(context.session) } : {}),
    ...(context.sessionId === undefined ? {} : { sessionId: context.sessionId }),
    now: context.now,
  };
}
