import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CacheKey, RecommendationCache } from '@mycontent/core';
import { ODD_IDS, sleep, suiteTitle, type ConformanceOptions } from './shared';

/**
 * The cache conformance suite: run it against every {@link RecommendationCache} adapter.
 *
 * @example
 * ```ts
 * describeCacheConformance('memory', () => createMemoryCache());
 * ```
 */
export function describeCacheConformance(
  name: string,
  factory: () => RecommendationCache | Promise<RecommendationCache>,
  options: ConformanceOptions = {},
): void {
  const suite = options.skip ? describe.skip : describe;
  suite(suiteTitle('cache', name, options.skip), () => {
    let cache: RecommendationCache;
    const reco = (userId: string, id = 'page-1'): CacheKey => ({ family: 'reco', id, userId });
    beforeAll(async () => {
      cache = await factory();
      await cache.clear();
    });
    afterEach(async () => {
      await cache.clear();
    });
    afterAll(async () => {
      await cache?.dispose?.();
    });

    it('answers ping when it has one', async () => {
      if (!cache.ping) return;
      await expect(cache.ping()).resolves.toBeUndefined();
    });

    it('returns what was set, and undefined on a miss', async () => {
      await cache.set(reco('u1'), { items: [1, 2, 3], label: 'x' }, 60_000);
      expect(await cache.get(reco('u1'))).toEqual({ items: [1, 2, 3], label: 'x' });
      expect(await cache.get(reco('u2'))).toBeUndefined();
      expect(await cache.get({ family: 'trending', id: 'page-1' })).toBeUndefined();
    });

    it('hands out copies', async () => {
      await cache.set(reco('u1'), { items: [1] }, 60_000);
      const got = await cache.get<{ items: number[] }>(reco('u1'));
      got!.items.push(2);
      expect(await cache.get(reco('u1'))).toEqual({ items: [1] });
    });

    it('expires entries after their TTL', async () => {
      await cache.set(reco('u1'), 'short', 60);
      await cache.set(reco('u1', 'long'), 'long', 60_000);
      expect(await cache.get(reco('u1'))).toBe('short');
      await sleep(150);
      expect(await cache.get(reco('u1'))).toBeUndefined();
      expect(await cache.get(reco('u1', 'long'))).toBe('long');
    });

    it('deletes one entry', async () => {
      await cache.set(reco('u1', 'a'), 1, 60_000);
      await cache.set(reco('u1', 'b'), 2, 60_000);
      await cache.delete(reco('u1', 'a'));
      expect(await cache.get(reco('u1', 'a'))).toBeUndefined();
      expect(await cache.get(reco('u1', 'b'))).toBe(2);
    });

    it('invalidates every entry of one user and nothing else', async () => {
      await cache.set(reco('u1', 'a'), 1, 60_000);
      await cache.set({ family: 'profile', id: 'p', userId: 'u1' }, 2, 60_000);
      await cache.set(reco('u2', 'a'), 3, 60_000);
      await cache.set({ family: 'trending', id: 'all' }, 4, 60_000);
      await cache.invalidateUser('u1');
      expect(await cache.get(reco('u1', 'a'))).toBeUndefined();
      expect(await cache.get({ family: 'profile', id: 'p', userId: 'u1' })).toBeUndefined();
      expect(await cache.get(reco('u2', 'a'))).toBe(3);
      expect(await cache.get({ family: 'trending', id: 'all' })).toBe(4);
      await cache.set(reco('u1', 'a'), 5, 60_000);
      expect(await cache.get(reco('u1', 'a'))).toBe(5);
    });

    it('invalidates many users in one call, when the adapter offers it', async () => {
      if (!cache.invalidateUsers) return;
      for (const u of ['u1', 'u2', 'u3']) await cache.set(reco(u), u, 60_000);
      await cache.invalidateUsers(['u1', 'u3', 'never-cached']);
      expect(await cache.get(reco('u1'))).toBeUndefined();
      expect(await cache.get(reco('u2'))).toBe('u2');
      expect(await cache.get(reco('u3'))).toBeUndefined();
    });

    it('invalidates the shared entries of one family', async () => {
      await cache.set({ family: 'trending', id: 'all' }, 1, 60_000);
      await cache.set({ family: 'similar', id: 'x' }, 2, 60_000);
      await cache.invalidateFamily('trending');
      expect(await cache.get({ family: 'trending', id: 'all' })).toBeUndefined();
      expect(await cache.get({ family: 'similar', id: 'x' })).toBe(2);
    });

    it('keeps users and ids apart even when they look alike', async () => {
      await cache.set({ family: 'reco', id: 'b|c', userId: 'a' }, 1, 60_000);
      await cache.set({ family: 'reco', id: 'c', userId: 'a|b' }, 2, 60_000);
      expect(await cache.get({ family: 'reco', id: 'b|c', userId: 'a' })).toBe(1);
      expect(await cache.get({ family: 'reco', id: 'c', userId: 'a|b' })).toBe(2);
    });

    it('stores odd ids and values byte-exact', async () => {
      for (const id of ODD_IDS) await cache.set({ family: 'reco', id, userId: id }, { id }, 60_000);
      for (const id of ODD_IDS) expect(await cache.get({ family: 'reco', id, userId: id })).toEqual({ id });
    });
  });
}
