import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Interaction, Item, RecommendationStore, UserProfile } from '@mycontent/core';
import { emptyProfile } from '@mycontent/core';
import { itemStatsTests } from './item-stats';
import { ODD_IDS, suiteTitle, type ConformanceOptions } from './shared';

const T0 = Date.UTC(2024, 0, 1);

const item = (id: string, extra: Partial<Item> = {}): Item => ({ id, createdAt: T0, category: 'news', ...extra });
const click = (userId: string, itemId: string, minute: number, extra: Partial<Interaction> = {}): Interaction => ({
  userId,
  itemId,
  type: 'click',
  timestamp: T0 + minute * 60_000,
  ...extra,
});

async function collect<T>(pages: AsyncIterable<T[]>): Promise<{ rows: T[]; pages: number }> {
  const rows: T[] = [];
  let count = 0;
  for await (const page of pages) {
    rows.push(...page);
    count++;
  }
  return { rows, pages: count };
}

/**
 * The store conformance suite: run it against every {@link RecommendationStore} adapter.
 * `factory` is called once; the store is cleared after each test and disposed at the end.
 *
 * @example
 * ```ts
 * import { describeStoreConformance } from '@mycontent/adapters/testing';
 * describeStoreConformance('memory', () => createMemoryStore());
 * ```
 */
export function describeStoreConformance(
  name: string,
  factory: () => RecommendationStore | Promise<RecommendationStore>,
  options: ConformanceOptions = {},
): void {
  const suite = options.skip ? describe.skip : describe;
  suite(suiteTitle('store', name, options.skip), () => {
    let store: RecommendationStore;
    beforeAll(async () => {
      store = await factory();
      await store.clear();
    });
    afterEach(async () => {
      await store.clear();
    });
    afterAll(async () => {
      await store?.dispose?.();
    });

    /** Records interactions; each new one bumps its user's interactionCount and prepends its item. */
    const record = (interactions: Interaction[], fail = false) =>
      store.recordInteractions({
        interactions,
        apply: (fresh, current) => {
          if (fail) throw new Error('profile update failed');
          const profiles = new Map<string, UserProfile>();
          for (const x of fresh) {
            const p = profiles.get(x.userId) ?? { ...(current.get(x.userId) ?? emptyProfile(x.userId)) };
            profiles.set(x.userId, { ...p, interactionCount: p.interactionCount + 1, recentItems: [x.itemId, ...p.recentItems] });
          }
          return { profiles: [...profiles.values()], itemStats: fresh.map((x) => ({ itemId: x.itemId, clicks: 1, lastInteractionAt: x.timestamp })) };
        },
      });


    describe('items', () => {
      it('returns items by id in the order asked, undefined for unknown ids', async () => {
        await store.upsertItems([item('a', { title: 'A' }), item('b', { title: 'B' })]);
        const got = await store.getItems(['b', 'zzz', 'a']);
        expect(got.map((i) => i?.title)).toEqual(['B', undefined, 'A']);
      });

      it('replaces an item with the same id and keeps every field', async () => {
        await store.upsertItems([item('a', { title: 'old' })]);
        const full = item('a', {
          title: 'new',
          summary: 's',
          body: 'b',
          category: 'sport',
          publisher: 'p1',
          wordsCount: 321,
          embedding: Float32Array.from([0.5, -1.25, 3]),
          metadata: { tags: ['x', 'y'], score: 1.5 },
        });
        await store.upsertItems([full]);
        const [got] = await store.getItems(['a']);
        expect(got?.title).toBe('new');
        expect(got?.category).toBe('sport');
        expect(got?.publisher).toBe('p1');
        expect(got?.wordsCount).toBe(321);
        expect(got?.createdAt).toBe(T0);
        expect(Array.from(got!.embedding!)).toEqual([0.5, -1.25, 3]);
        expect(got?.metadata).toEqual({ tags: ['x', 'y'], score: 1.5 });
      });

      it('scans every item in pages of the requested size', async () => {
        await store.upsertItems(Array.from({ length: 25 }, (_, i) => item(`i${i}`)));
        const { rows, pages } = await collect(store.scanItems({ batchSize: 10 }));
        expect(rows.map((r) => r.id).sort()).toEqual(Array.from({ length: 25 }, (_, i) => `i${i}`).sort());
        expect(pages).toBe(3);
      });

      it('deletes items and ignores unknown ids', async () => {
        await store.upsertItems([item('a'), item('b')]);
        await store.deleteItems(['a', 'nope']);
        expect((await store.getItems(['a', 'b'])).map((i) => i?.id)).toEqual([undefined, 'b']);
      });
    });

    describe('users', () => {
      it('stores and returns users with preferences', async () => {
        await store.upsertUsers([{ id: 'u1', createdAt: T0, preferences: { categories: ['sport'], excludedCategories: [] } }]);
        expect(await store.getUser('u1')).toEqual({ id: 'u1', createdAt: T0, preferences: { categories: ['sport'], excludedCategories: [] } });
        expect(await store.getUser('nobody')).toBeUndefined();
      });
    });

    describe('interactions', () => {
      it('returns a user history newest first, limited, and before a time', async () => {
        await store.appendInteractions([click('u1', 'a', 1), click('u1', 'b', 3), click('u2', 'a', 2), click('u1', 'c', 2)]);
        const all = await store.getUserInteractions('u1');
        expect(all.map((x) => x.itemId)).toEqual(['b', 'c', 'a']);
        expect((await store.getUserInteractions('u1', { limit: 2 })).map((x) => x.itemId)).toEqual(['b', 'c']);
        expect((await store.getUserInteractions('u1', { before: T0 + 3 * 60_000 })).map((x) => x.itemId)).toEqual(['c', 'a']);
        expect(await store.getUserInteractions('nobody')).toEqual([]);
      });

      it('keeps every optional field of an interaction', async () => {
        const full = click('u1', 'a', 1, {
          type: 'rating',
          rating: 4.5,
          sessionId: 's1',
          duration: 42,
          context: { device: 'mobile', os: 'ios', region: 12 },
          eventId: 'evt-1',
        });
        await store.appendInteractions([full]);
        expect(await store.getUserInteractions('u1')).toEqual([full]);
      });

      it('scans every interaction in insertion order, in pages', async () => {
        const batch = Array.from({ length: 23 }, (_, i) => click(`u${i % 4}`, `i${i}`, i));
        await store.appendInteractions(batch);
        const { rows } = await collect(store.scanInteractions({ batchSize: 5 }));
        expect(rows.map((r) => r.itemId)).toEqual(batch.map((b) => b.itemId));
        expect(await store.countInteractions()).toBe(23);
      });
    });

    describe('item statistics', () => itemStatsTests(() => store));

    describe('bandit arms', () => {
      const byKey = (rows: { arm: string; bucket: number }[]) => [...rows].sort((a, b) => a.bucket - b.bucket || (a.arm < b.arm ? -1 : 1));

      it('adds increments per arm and bucket, vectors element-wise', async () => {
        await store.incrementArms('ts', [
          { arm: 'a', pulls: 1, reward: 1 },
          { arm: 'a', pulls: 1, reward: 0 },
          { arm: 'b', pulls: 2, reward: 0.5, vector: [1, 2] },
          { arm: 'a', bucket: 7, pulls: 3, reward: 2 },
        ]);
        await store.incrementArms('ts', [{ arm: 'b', pulls: 1, reward: 0.25, vector: [0.5, -2, 4] }]);
        await store.incrementArms('other', [{ arm: 'a', pulls: 100 }]);
        expect(byKey(await store.getArms('ts'))).toEqual([
          { arm: 'a', bucket: 0, pulls: 2, reward: 1 },
          { arm: 'b', bucket: 0, pulls: 3, reward: 0.75, vector: [1.5, 0, 4] },
          { arm: 'a', bucket: 7, pulls: 3, reward: 2 },
        ]);
        expect(byKey(await store.getArms('ts', { arms: ['a'], sinceBucket: 1 }))).toEqual([{ arm: 'a', bucket: 7, pulls: 3, reward: 2 }]);
        expect(await store.getArms('nothing')).toEqual([]);
      });

      it('loses no increment under concurrent writers', async () => {
        await Promise.all(Array.from({ length: 50 }, (_, i) => store.incrementArms('hot', [{ arm: 'x', pulls: 1, reward: i % 2, vector: [1] }])));
        expect(await store.getArms('hot')).toEqual([{ arm: 'x', bucket: 0, pulls: 50, reward: 25, vector: [50] }]);
      });

      it('removes arms, or buckets that have faded', async () => {
        await store.incrementArms('ts', [{ arm: 'a', pulls: 1 }, { arm: 'b', pulls: 1 }, { arm: 'a', bucket: 5, pulls: 1 }, { arm: ODD_IDS[1]!, pulls: 1 }]);
        await store.deleteArms('ts', { arms: ['b', ODD_IDS[1]!] });
        expect(byKey(await store.getArms('ts')).map((r) => [r.arm, r.bucket])).toEqual([['a', 0], ['a', 5]]);
        await store.deleteArms('ts', { beforeBucket: 5 });
        expect((await store.getArms('ts')).map((r) => [r.arm, r.bucket])).toEqual([['a', 5]]);
      });
    });

    describe('profiles', () => {
      it('round-trips a profile and hands out copies', async () => {
        const profile: UserProfile = {
          ...emptyProfile('u1'),
          categoryAffinity: { sport: 1.5 },
          recentItems: ['a', 'b'],
          counts: { click: 2 },
          interactionCount: 2,
          firstSeenAt: T0,
          lastSeenAt: T0 + 1,
          updatedAt: T0 + 1,
        };
        await store.putProfiles([profile]);
        const got = await store.getProfile('u1');
        expect(got).toEqual(profile);
        got!.recentItems.push('mutated');
        expect((await store.getProfile('u1'))?.recentItems).toEqual(['a', 'b']);
        expect(await store.getProfile('nobody')).toBeUndefined();
      });
    });

    describe('recording interactions', () => {
      it('appends, counts and updates the profile together', async () => {
        const { recorded } = await record([click('u1', 'a', 1), click('u1', 'b', 2)]);
        expect(recorded.map((x) => x.itemId)).toEqual(['a', 'b']);
        expect((await store.getUserInteractions('u1')).map((x) => x.itemId)).toEqual(['b', 'a']);
        expect((await store.getItemStats(['a']))[0]?.clicks).toBe(1);
        expect(await store.getProfile('u1')).toMatchObject({ interactionCount: 2, recentItems: ['b', 'a'] });
      });

      it('writes nothing when the profile update fails', async () => {
        await expect(record([click('u1', 'a', 1)], true)).rejects.toThrow();
        expect(await store.countInteractions()).toBe(0);
        expect((await store.getItemStats(['a']))[0]?.clicks).toBe(0);
        expect(await store.getProfile('u1')).toBeUndefined();
      });

      it('loses no profile update under concurrent writers on one user', async () => {
        await Promise.all(Array.from({ length: 40 }, (_, i) => record([click('hot', `i${i}`, i)])));
        const profile = await store.getProfile('hot');
        expect(profile?.interactionCount).toBe(40);
        expect(new Set(profile?.recentItems).size).toBe(40);
        expect(await store.countInteractions()).toBe(40);
      });
    });

    describe('idempotent events', () => {
      it('skips interactions whose event id is already stored, or repeated in the batch', async () => {
        const e = (id: string, minute: number) => click('u1', `item-${id}`, minute, { eventId: id });
        await store.appendInteractions([e('e1', 1), e('e2', 2)]);
        await store.appendInteractions([e('e2', 2), e('e3', 3), click('u1', 'no-id', 4)]);
        expect(await store.countInteractions()).toBe(4);
        const { recorded } = await record([e('e3', 3), e('e4', 5), e('e4', 5), e('e5', 6)]);
        expect(recorded.map((x) => x.eventId)).toEqual(['e4', 'e5']);
        expect(await store.countInteractions()).toBe(6);
        expect((await store.getItemStats(['item-e3', 'item-e4']))!.map((s) => s.clicks)).toEqual([0, 1]);
        expect((await store.getProfile('u1'))?.interactionCount).toBe(2);
        // A replay of the whole batch changes nothing.
        expect((await record([e('e4', 5), e('e5', 6)])).recorded).toEqual([]);
        expect((await store.getProfile('u1'))?.interactionCount).toBe(2);
        expect(await store.countInteractions()).toBe(6);
      });

      it('applies each event once under concurrent replays', async () => {
        const batch = Array.from({ length: 30 }, (_, i) => click(`u${i % 3}`, `i${i}`, i, { eventId: `evt-${i}` }));
        const results = await Promise.all(Array.from({ length: 6 }, () => record(batch)));
        expect(results.reduce((n, r) => n + r.recorded.length, 0)).toBe(30);
        expect(await store.countInteractions()).toBe(30);
        const counts = await Promise.all(['u0', 'u1', 'u2'].map(async (u) => (await store.getProfile(u))?.interactionCount));
        expect(counts).toEqual([10, 10, 10]);
      });
    });

    describe('GDPR export', () => {
      it('returns the user, the profile and every interaction, newest first', async () => {
        await store.upsertUsers([{ id: 'me', createdAt: T0, preferences: { categories: ['sport'], excludedCategories: [] } }]);
        await store.putProfiles([{ ...emptyProfile('me'), interactionCount: 700 }]);
        const mine = Array.from({ length: 700 }, (_, i) => click('me', `i${i}`, i, { context: { device: 'mobile' } }));
        await store.appendInteractions([...mine, click('someone-else', 'x', 1)]);
        const data = await store.exportUserData('me');
        expect(data.user?.preferences?.categories).toEqual(['sport']);
        expect(data.profile?.interactionCount).toBe(700);
        expect(data.interactions).toHaveLength(700);
        expect(data.interactions[0]).toEqual(mine[699]);
        expect(data.interactions.every((x) => x.userId === 'me')).toBe(true);
        expect(JSON.parse(JSON.stringify(data)).interactions[0].context).toEqual({ device: 'mobile' });
      });

      it('returns nothing after an erasure', async () => {
        await store.upsertUsers([{ id: 'gone', createdAt: T0 }]);
        await store.putProfiles([emptyProfile('gone')]);
        await store.appendInteractions([click('gone', 'a', 1)]);
        await store.deleteUserData('gone');
        expect(await store.exportUserData('gone')).toEqual({ user: undefined, profile: undefined, interactions: [] });
      });
    });

    describe('GDPR erasure', () => {
      it('deletes the user, the profile and the interactions', async () => {
        await store.upsertUsers([{ id: 'gone', createdAt: T0 }]);
        await store.putProfiles([emptyProfile('gone')]);
        await store.appendInteractions([click('gone', 'a', 1), click('gone', 'b', 2), click('kept', 'a', 3)]);
        expect(await store.deleteUserData('gone', { interactions: 'delete' })).toEqual({ interactions: 2 });
        expect(await store.getUser('gone')).toBeUndefined();
        expect(await store.getProfile('gone')).toBeUndefined();
        expect(await store.getUserInteractions('gone')).toEqual([]);
        const { rows } = await collect(store.scanInteractions());
        expect(rows.map((r) => r.userId)).toEqual(['kept']);
        expect(await store.countInteractions()).toBe(1);
      });

      it('anonymises interactions so that nothing links them to the user', async () => {
        await store.appendInteractions([click('anon-me', 'a', 1, { sessionId: 's', context: { ip: '1.2.3.4' } }), click('other', 'b', 2)]);
        expect(await store.deleteUserData('anon-me', { interactions: 'anonymize' })).toEqual({ interactions: 1 });
        expect(await store.getUserInteractions('anon-me')).toEqual([]);
        const { rows } = await collect(store.scanInteractions());
        expect(rows).toHaveLength(2);
        const anonymised = rows.find((r) => r.itemId === 'a')!;
        expect(anonymised.userId).not.toBe('anon-me');
        expect(JSON.stringify(anonymised)).not.toContain('anon-me');
        expect(anonymised.context).toBeUndefined();
        expect(anonymised.sessionId).toBeUndefined();
      });

      it('treats a returning user as new after erasure', async () => {
        await store.appendInteractions([click('back', 'a', 1)]);
        await store.deleteUserData('back');
        await store.appendInteractions([click('back', 'b', 2)]);
        expect((await store.getUserInteractions('back')).map((x) => x.itemId)).toEqual(['b']);
      });
    });

    describe('large values', () => {
      it('stores a 1 MB body and large metadata byte-exact', async () => {
        const body = 'é日🚀"\\\'\r\n'.repeat(100_000);
        const metadata = { nested: { list: Array.from({ length: 1000 }, (_, i) => `v${i}`) }, quote: "'; DROP TABLE articles; --" };
        await store.upsertItems([item('big', { body, metadata })]);
        const [got] = await store.getItems(['big']);
        expect(got?.body).toBe(body);
        expect(got?.metadata).toEqual(metadata);
      });
    });

    describe('odd ids', () => {
      it('stores and returns ids with quotes, unicode, protocol characters and length byte-exact', async () => {
        await store.upsertItems(ODD_IDS.map((id) => item(id)));
        await store.appendInteractions(ODD_IDS.map((id, i) => click(id, id, i)));
        const items = await store.getItems(ODD_IDS);
        expect(items.map((i) => i?.id)).toEqual(ODD_IDS);
        for (const id of ODD_IDS) {
          const history = await store.getUserInteractions(id);
          expect(history.map((x) => [x.userId, x.itemId])).toEqual([[id, id]]);
        }
      });
    });
  });
}
