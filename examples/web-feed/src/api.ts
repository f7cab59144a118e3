/**
 * The service's API as the web app calls it: same origin, the session in HttpOnly cookies (a 401
 * refreshes them once, then gives up), JSON in and out, problem details turned into errors.
 */

export interface Account {
  id: string;
  email: string;
  role: 'reader' | 'editor' | 'admin';
}

export interface Card {
  article_id: string;
  rank: number;
  score: number;
  source: string;
  category?: string;
}

export interface RecommendationPage {
  recommendation_id: string;
  user_id: string;
  phase: 'personalized' | 'learning' | 'cold-start';
  items: Card[];
}

export interface Article {
  id: string;
  title?: string;
  summary?: string;
  body?: string;
  category?: string;
  created_at: string;
}

export interface Profile {
  user_id: string;
  preferences: { categories: string[]; excluded_categories: string[] };
  interaction_count: number;
}

/** An answer other than 2xx: the problem's title and detail. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function send(path: string, init: RequestInit): Promise<Response> {
  return fetch(path, { ...init, credentials: 'same-origin', headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers } });
}

/** Calls the API; refreshes the session once on 401. */
export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  let response = await send(path, init);
  if (response.status === 401 && !path.startsWith('/api/v1/auth/')) {
    const refreshed = await send('/api/v1/auth/refresh', { method: 'POST' });
    if (refreshed.ok) response = await send(path, init);
  }
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as { title?: string; detail?: string };
    throw new ApiError(response.status, problem.detail ?? problem.title ?? `HTTP ${response.status}`);
  }
  return (response.status === 204 ? undefined : await response.json()) as T;
}

export const post = <T>(path: string, body: unknown) => api<T>(path, { method: 'POST', body: JSON.stringify(body) });

/**
 * Whether this browser holds a session (the tokens themselves are HttpOnly cookies the page cannot
 * read): set at sign-in, cleared at sign-out, so a visitor's first page asks nothing it knows fails.
 */
export const session = {
  known: () => localStorage.getItem('mycontent.session') === '1',
  started: () => localStorage.setItem('mycontent.session', '1'),
  ended: () => localStorage.removeItem('mycontent.session'),
};

/** One interaction: feedback on a card, attributed to the list it came from. */
export function feedback(userId: string, card: Card, type: 'like' | 'dislike' | 'click', recommendationId?: string) {
  return post('/api/v1/feedback', { user_id: userId, article_id: card.article_id, type, ...(recommendationId ? { recommendation_id: recommendationId } : {}) });
}

/** Why a card is in the feed, in the reader's words, from the source that placed it. */
export function reasonOf(card: Card): string {
  const { source } = card;
  if (source === 'related') return 'Readers of what you read also read this';
  if (source === 'content') return 'Close to what you read';
  if (source.startsWith('cold-start:preferred') || source === 'learning:affinity') return `Popular in ${card.category ?? 'your categories'}`;
  if (source.startsWith('bootstrap:') || source.startsWith('explore:') || source === 'fallback:fresh') return 'New';
  return 'Popular right now';
}
