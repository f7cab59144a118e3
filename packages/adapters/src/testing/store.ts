import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Interaction, Item, ItemStore, ProfileStore, RecommendationStore, UserProfile } from '@mycontent/core';
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

/** The parts of a store under test: the suite runs the tests of every part present. */
export type StoreParts = Partial<Pick<RecommendationStore, 'items' | 'interactions' | 'profiles' | 'itemStats' | 'bandits' | 'ping'>> & {
  /** Removes everything the parts hold (called after each test). */
  clear(): Promise<void>;
  dispose?(): Promise<void>;
};

/**
 * The store conformance suite: run it against every {@link RecommendationStore} adapter, or
 * against any subset of its parts (an adapter of items alone runs only the item tests). The
 * interaction log's `record` tests need the log's profile store and statistics too. `factory`
 * is called once; the store is cleared after each test and disposed at the end.
 *
 * @example
 * ```ts
 * import { describeStoreConformance } from '@mycontent/adapters/testing';
 * describeStoreConformance('memory', () => createMemoryStore());
 * describeStoreConformance('my CMS items', () => ({ items: cmsItems, clear: () => cmsItems.clear() }));
 * ```
 */
export function describeStoreConformance(name: string, factory: () => StoreParts | Promise<StoreParts>, options: ConformanceOptions = {}): void {
  const suite = options.skip ? describe.skip : describe;
  suite(suiteTitle('store', name, options.skip), () => {
    let store: StoreParts;
    // Which parts the adapter has is known once the factory ran: each part's tests skip themselves otherwise.
    const part = (has: (s: StoreParts) => boolean) => (title: string, body: () => void) =>
      describe(title, () => {
        beforeEach((context) => {
          if (!has(store)) context.skip();
        });
        body();
      });
    const items = part((s) => !!s.items);
    const profiles = part((s) => !!s.profiles);
    const interactions = part((s) => !!s.interactions);
    const recording = part((s) => !!s.interactions && !!s.profiles && !!s.itemStats);
    const stats = part((s) => !!s.itemStats);
    const bandits = part((s) => !!s.bandits);
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
    const record = (list: Interaction[], fail = false) =>
      store.interactions!.record({
        interactions: list,
        apply: (fresh, current) => {
          if (fail) throw new Error('profile update failed');
          const updated = new Map<string, UserProfile>();
          for (const x of fresh) {
            const p = updated.get(x.userId) ?? { ...(current.get(x.userId) ?? emptyProfile(x.userId)) };
            updated.set(x.userId, { ...p, interactionCount: p.interactionCount + 1, recentItems: [x.itemId, ...p.recentItems] });
          }
          return { profiles: [...updated.values()], itemStats: fresh.map((x) => ({ itemId: x.itemId, clicks: 1, lastInteractionAt: x.timestamp })) };
        },
      });
    /** Replaces profiles through the update path. */
    const putProfiles = (list: UserProfile[]) => store.profiles!.update(list.map((p) => p.userId), () => list);

    it('answers ping when it has one (the health check and the outage detection ask it)', async () => {
      if (!store.ping) return;
      await expect(store.ping()).resolves.toBeUndefined();
    });

    items('items', () => {
      it('returns items by id in the order asked, undefined for unknown ids', async () => {
        await store.items!.upsert([item('a', { title: 'A' }), item('b', { title: 'B' })]);
        const got = await store.items!.get(['b', 'zzz', 'a']);
        expect(got.map((i) => i?.title)).toEqual(['B', undefined, 'A']);
      });

      it('replaces an item with the same id and keeps every field', async () => {
        await store.items!.upsert([item('a', { title: 'old' })]);
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
        await store.items!.upsert([full]);
        const [got] = await store.items!.get(['a']);
        expect(got?.title).toBe('new');
        expect(got?.category).toBe('sport');
        expect(got?.publisher).toBe('p1');
        expect(got?.wordsCount).toBe(321);
        expect(got?.createdAt).toBe(T0);
        expect(Array.from(got!.embedding!)).toEqual([0.5, -1.25, 3]);
        expect(got?.metadata).toEqual({ tags: ['x', 'y'], score: 1.5 });
      });

      it('scans every item in pages of the requested size', async () => {
        await store.items!.upsert(Array.from({ length: 25 }, (_, i) => item(`i${i}`)));
        const { rows, pages } = await collect(store.items!.scan({ batchSize: 10 }));
        expect(rows.map((r) => r.id).sort()).toEqual(Array.from({ length: 25 }, (_, i) => `i${i}`).sort());
        expect(pages).toBe(3);
      });

      it('deletes items and ignores unknown ids', async () => {
        await store.items!.upsert([item('a'), item('b')]);
        await store.items!.delete(['a', 'nope']);
        expect((await store.items!.get(['a', 'b'])).map((i) => i?.id)).toEqual([undefined, 'b']);
      });
    });

    profiles('users', () => {
      it('stores and returns users with preferences', async () => {
        await store.profiles!.upsertUsers([{ id: 'u1', createdAt: T0, preferences: { categories: ['sport'], excludedCategories: [] } }]);
        expect(await store.profiles!.getUser('u1')).toEqual({ id: 'u1', createdAt: T0, preferences: { categories: ['sport'], excludedCategories: [] } });
        expect(await store.profiles!.getUser('nobody')).toBeUndefined();
      });
    });

    interactions('interactions', () => {
      it('returns a user history newest first, limited, and before a time', async () => {
        await store.interactions!.append([click('u1', 'a', 1), click('u1', 'b', 3), click('u2', 'a', 2), click('u1', 'c', 2)]);
        const all = await store.interactions!.ofUser('u1');
        expect(all.map((x) => x.itemId)).toEqual(['b', 'c', 'a']);
        expect((await store.interactions!.ofUser('u1', { limit: 2 })).map((x) => x.itemId)).toEqual(['b', 'c']);
        expect((await store.interactions!.ofUser('u1', { before: T0 + 3 * 60_000 })).map((x) => x.itemId)).toEqual(['c', 'a']);
        expect(await store.interactions!.ofUser('nobody')).toEqual([]);
      });

      it('keeps every optional field of an interaction', async () => {
        const full = click('u1', 'a', 1, {
          type: 'rating',
          rating: 4.5,
          sessionId: 's1',
          duration: 42,
          context: { device: 'mobile', os: 'ios', region: 12 },
          eventId: 'evt-1',
          recommendationId: 'list-1',
        });
        await store.interactions!.append([full]);
        expect(await store.interactions!.ofUser('u1')).toEqual([full]);
      });

      it('scans every interaction in insertion order, in pages', async () => {
        const batch = Array.from({ length: 23 }, (_, i) => click(`u${i % 4}`, `i${i}`, i));
        await store.interactions!.append(batch);
        const { rows } = await collect(store.interactions!.scan({ batchSize: 5 }));
        expect(rows.map((r) => r.itemId)).toEqual(batch.map((b) => b.itemId));
        expect(await store.interactions!.count()).toBe(23);
      });

      it('expires the interactions older than a time (whole partitions, never a later one) when it has retention', async () => {
        const log = store.interactions!;
        if (!log.expireBefore) return;
        const DAY = 86_400_000;
        const at = (day: number, hour: number, itemId: string, userId = 'u1') => click(userId, itemId, (day * DAY + hour * 3_600_000) / 60_000, { eventId: itemId });
        // T0 is a UTC midnight: days -3 and -2 are before it, 0 and 1 after.
        await log.append([at(-3, 10, 'old-1'), at(-2, 23, 'old-2', 'u2'), at(0, 1, 'today'), at(1, 5, 'tomorrow')]);
        const noon = T0 + 12 * 3_600_000;
        const { expiredBefore } = await log.expireBefore(noon);
        expect(expiredBefore).toBeGreaterThanOrEqual(T0);
        expect(expiredBefore).toBeLessThanOrEqual(noon);
        const left = (await collect(log.scan())).rows.map((x) => x.itemId);
        expect(left).toEqual(T0 + 3_600_000 >= expiredBefore ? ['today', 'tomorrow'] : ['tomorrow']);
        expect(await log.count()).toBe(left.length);
        expect(await log.ofUser('u2')).toEqual([]);
        // A late event of an expired day is stored again (and goes with the next expiry).
        await log.append([at(-3, 10, 'old-1')]);
        expect((await log.ofUser('u1')).map((x) => x.itemId)).toContain('old-1');
        await log.expireBefore(noon);
        expect((await log.ofUser('u1')).map((x) => x.itemId)).not.toContain('old-1');
      });
    });

    stats('item statistics', () => itemStatsTests(() => store.itemStats!));

    bandits('bandit arms', () => {
      const byKey = (rows: { arm: string; bucket: number }[]) => [...rows].sort((a, b) => a.bucket - b.bucket || (a.arm < b.arm ? -1 : 1));

      it('adds increments per arm and bucket, vectors element-wise', async () => {
        await store.bandits!.incrementArms('ts', [
          { arm: 'a', pulls: 1, reward: 1 },
          { arm: 'a', pulls: 1, reward: 0 },
          { arm: 'b', pulls: 2, reward: 0.5, vector: [1, 2] },
          { arm: 'a', bucket: 7, pulls: 3, reward: 2 },
        ]);
        await store.bandits!.incrementArms('ts', [{ arm: 'b', pulls: 1, reward: 0.25, vector: [0.5, -2, 4] }]);
        await store.bandits!.incrementArms('other', [{ arm: 'a', pulls: 100 }]);
        expect(byKey(await store.bandits!.getArms('ts'))).toEqual([
          { arm: 'a', bucket: 0, pulls: 2, reward: 1 },
          { arm: 'b', bucket: 0, pulls: 3, reward: 0.75, vector: [1.5, 0, 4] },
          { arm: 'a', bucket: 7, pulls: 3, reward: 2 },
        ]);
        expect(byKey(await store.bandits!.getArms('ts', { arms: ['a'], sinceBucket: 1 }))).toEqual([{ arm: 'a', bucket: 7, pulls: 3, reward: 2 }]);
        expect(await store.bandits!.getArms('nothing')).toEqual([]);
      });

      it('loses no increment under concurrent writers', async () => {
        await Promise.all(Array.from({ length: 50 }, (_, i) => store.bandits!.incrementArms('hot', [{ arm: 'x', pulls: 1, reward: i % 2, vector: [1] }])));
        expect(await store.bandits!.getArms('hot')).toEqual([{ arm: 'x', bucket: 0, pulls: 50, reward: 25, vector: [50] }]);
      });

      it('removes arms, or buckets that have faded', async () => {
        await store.bandits!.incrementArms('ts', [{ arm: 'a', pulls: 1 }, { arm: 'b', pulls: 1 }, { arm: 'a', bucket: 5, pulls: 1 }, { arm: ODD_IDS[1]!, pulls: 1 }]);
        await store.bandits!.deleteArms('ts', { arms: ['b', ODD_IDS[1]!] });
        expect(byKey(await store.bandits!.getArms('ts')).map((r) => [r.arm, r.bucket])).toEqual([['a', 0], ['a', 5]]);
        await store.bandits!.deleteArms('ts', { beforeBucket: 5 });
        expect((await store.bandits!.getArms('ts')).map((r) => [r.arm, r.bucket])).toEqual([['a', 5]]);
      });
    });

    profiles('profiles', () => {
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
        await putProfiles([profile]);
        const got = await store.profiles!.get('u1');
        expect(got).toEqual(profile);
        got!.recentItems.push('mutated');
        expect((await store.profiles!.get('u1'))?.recentItems).toEqual(['a', 'b']);
        expect(await store.profiles!.get('nobody')).toBeUndefined();
      });

      it('updates profiles from their current state, undefined for users without one', async () => {
        await putProfiles([{ ...emptyProfile('old'), interactionCount: 3 }]);
        const seen: [string, number | undefined][] = [];
        const written = await store.profiles!.update(['old', 'new'], (current) => {
          for (const [id, p] of current) seen.push([id, p?.interactionCount]);
          return [...current].map(([id, p]) => ({ ...(p ?? emptyProfile(id)), interactionCount: (p?.interactionCount ?? 0) + 1 }));
        });
        expect(seen.sort()).toEqual([['new', undefined], ['old', 3]]);
        expect(written.map((p) => [p.userId, p.interactionCount]).sort()).toEqual([['new', 1], ['old', 4]]);
        expect((await store.profiles!.get('new'))?.interactionCount).toBe(1);
      });

      it('writes nothing when the update throws', async () => {
        await expect(
          store.profiles!.update(['u1'], () => {
            throw new Error('update failed');
          }),
        ).rejects.toThrow();
        expect(await store.profiles!.get('u1')).toBeUndefined();
      });

      it('loses no update under concurrent writers on one user', async () => {
        await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            store.profiles!.update(['hot'], (current) => {
              const p = current.get('hot') ?? emptyProfile('hot');
              return [{ ...p, interactionCount: p.interactionCount + 1, recentItems: [`i${i}`, ...p.recentItems] }];
            }),
          ),
        );
        const profile = await store.profiles!.get('hot');
        expect(profile?.interactionCount).toBe(40);
        expect(new Set(profile?.recentItems).size).toBe(40);
      });
    });

    recording('recording interactions', () => {
      it('appends, counts and updates the profile together', async () => {
        const { recorded } = await record([click('u1', 'a', 1), click('u1', 'b', 2)]);
        expect(recorded.map((x) => x.itemId)).toEqual(['a', 'b']);
        expect((await store.interactions!.ofUser('u1')).map((x) => x.itemId)).toEqual(['b', 'a']);
        expect((await store.itemStats!.getItemStats(['a']))[0]?.clicks).toBe(1);
        expect(await store.profiles!.get('u1')).toMatchObject({ interactionCount: 2, recentItems: ['b', 'a'] });
      });

      it('writes nothing when the profile update fails', async () => {
        await expect(record([click('u1', 'a', 1)], true)).rejects.toThrow();
        expect(await store.interactions!.count()).toBe(0);
        expect((await store.itemStats!.getItemStats(['a']))[0]?.clicks).toBe(0);
        expect(await store.profiles!.get('u1')).toBeUndefined();
      });

      it('loses no profile update under concurrent writers on one user', async () => {
        await Promise.all(Array.from({ length: 40 }, (_, i) => record([click('hot', `i${i}`, i)])));
        const profile = await store.profiles!.get('hot');
        expect(profile?.interactionCount).toBe(40);
        expect(new Set(profile?.recentItems).size).toBe(40);
        expect(await store.interactions!.count()).toBe(40);
      });
    });

    recording('idempotent events', () => {
      it('skips interactions whose event id is already stored, or repeated in the batch', async () => {
        const e = (id: string, minute: number) => click('u1', `item-${id}`, minute, { eventId: id });
        await store.interactions!.append([e('e1', 1), e('e2', 2)]);
        await store.interactions!.append([e('e2', 2), e('e3', 3), click('u1', 'no-id', 4)]);
        expect(await store.interactions!.count()).toBe(4);
        const { recorded } = await record([e('e3', 3), e('e4', 5), e('e4', 5), e('e5', 6)]);
        expect(recorded.map((x) => x.eventId)).toEqual(['e4', 'e5']);
        expect(await store.interactions!.count()).toBe(6);
        expect((await store.itemStats!.getItemStats(['item-e3', 'item-e4']))!.map((s) => s.clicks)).toEqual([0, 1]);
        expect((await store.profiles!.get('u1'))?.interactionCount).toBe(2);
        // A replay of the whole batch changes nothing.
        expect((await record([e('e4', 5), e('e5', 6)])).recorded).toEqual([]);
        expect((await store.profiles!.get('u1'))?.interactionCount).toBe(2);
        expect(await store.interactions!.count()).toBe(6);
      });

      it('skips an event id seen before whatever the timestamp its retry carries (a day later included)', async () => {
        await store.interactions!.append([click('u1', 'first', 1, { eventId: 'retried' })]);
        // A retry stamped by another server, the next day: the same event.
        const { recorded } = await record([click('u1', 'again', 1 + 24 * 60, { eventId: 'retried' }), click('u1', 'other', 2, { eventId: 'fresh' })]);
        expect(recorded.map((x) => x.itemId)).toEqual(['other']);
        expect(await store.interactions!.count()).toBe(2);
      });

      it('applies each event once under concurrent replays', async () => {
        const batch = Array.from({ length: 30 }, (_, i) => click(`u${i % 3}`, `i${i}`, i, { eventId: `evt-${i}` }));
        const results = await Promise.all(Array.from({ length: 6 }, () => record(batch)));
        expect(results.reduce((n, r) => n + r.recorded.length, 0)).toBe(30);
        expect(await store.interactions!.count()).toBe(30);
        const counts = await Promise.all(['u0', 'u1', 'u2'].map(async (u) => (await store.profiles!.get(u))?.interactionCount));
        expect(counts).toEqual([10, 10, 10]);
      });
    });

    profiles('GDPR erasure of users and profiles', () => {
      it('deletes the user and the profile, and ignores unknown users', async () => {
        await store.profiles!.upsertUsers([{ id: 'gone', createdAt: T0 }, { id: 'kept', createdAt: T0 }]);
        await putProfiles([emptyProfile('gone'), emptyProfile('kept')]);
        await store.profiles!.deleteUser('gone');
        await store.profiles!.deleteUser('never-seen');
        expect(await store.profiles!.getUser('gone')).toBeUndefined();
        expect(await store.profiles!.get('gone')).toBeUndefined();
        expect((await store.profiles!.getUser('kept'))?.id).toBe('kept');
        expect((await store.profiles!.get('kept'))?.userId).toBe('kept');
      });
    });

    interactions('GDPR erasure of interactions', () => {
      it('deletes the interactions of the user only', async () => {
        await store.interactions!.append([click('gone', 'a', 1), click('gone', 'b', 2), click('kept', 'a', 3)]);
        expect(await store.interactions!.erase('gone', 'delete')).toBe(2);
        expect(await store.interactions!.ofUser('gone')).toEqual([]);
        const { rows } = await collect(store.interactions!.scan());
        expect(rows.map((r) => r.userId)).toEqual(['kept']);
        expect(await store.interactions!.count()).toBe(1);
        expect(await store.interactions!.erase('never-seen', 'delete')).toBe(0);
      });

      it('anonymises interactions so that nothing links them to the user', async () => {
        await store.interactions!.append([click('anon-me', 'a', 1, { sessionId: 's', context: { ip: '1.2.3.4' }, eventId: 'e-anon', recommendationId: 'list-anon' }), click('other', 'b', 2)]);
        expect(await store.interactions!.erase('anon-me', 'anonymize')).toBe(1);
        expect(await store.interactions!.ofUser('anon-me')).toEqual([]);
        const { rows } = await collect(store.interactions!.scan());
        expect(rows).toHaveLength(2);
        const anonymised = rows.find((r) => r.itemId === 'a')!;
        expect(anonymised.userId).not.toBe('anon-me');
        expect(JSON.stringify(anonymised)).not.toContain('anon-me');
        expect(anonymised.context).toBeUndefined();
        expect(anonymised.sessionId).toBeUndefined();
        expect(anonymised.eventId).toBeUndefined();
        expect(anonymised.recommendationId).toBeUndefined();
      });

      it('treats a returning user as new after erasure', async () => {
        await store.interactions!.append([click('back', 'a', 1)]);
        await store.interactions!.erase('back', 'delete');
        await store.interactions!.append([click('back', 'b', 2)]);
        expect((await store.interactions!.ofUser('back')).map((x) => x.itemId)).toEqual(['b']);
      });

      it('reads a long history whole, newest first', async () => {
        const mine = Array.from({ length: 700 }, (_, i) => click('me', `i${i}`, i, { context: { device: 'mobile' } }));
        await store.interactions!.append([...mine, click('someone-else', 'x', 1)]);
        const all = await store.interactions!.ofUser('me', { limit: Number.POSITIVE_INFINITY });
        expect(all).toHaveLength(700);
        expect(all[0]).toEqual(mine[699]);
        expect(JSON.parse(JSON.stringify(all)).at(-1).context).toEqual({ device: 'mobile' });
      });
    });

    items('large values', () => {
      it('stores a 1 MB body and large metadata byte-exact', async () => {
        const body = 'é日🚀"\\\'\r\n'.repeat(100_000);
        const metadata = { nested: { list: Array.from({ length: 1000 }, (_, i) => `v${i}`) }, quote: "'; DROP TABLE articles; --" };
        await store.items!.upsert([item('big', { body, metadata })]);
        const [got] = await store.items!.get(['big']);
        expect(got?.body).toBe(body);
        expect(got?.metadata).toEqual(metadata);
      });
    });

    interactions('odd ids', () => {
      it('stores and returns ids with quotes, unicode, protocol characters and length byte-exact', async () => {
        await store.items!.upsert(ODD_IDS.map((id) => item(id)));
        await store.interactions!.append(ODD_IDS.map((id, i) => click(id, id, i)));
        const items = await store.items!.get(ODD_IDS);
        expect(items.map((i) => i?.id)).toEqual(ODD_IDS);
        for (const id of ODD_IDS) {
          const history = await store.interactions!.ofUser(id);
          expect(history.map((x) => [x.userId, x.itemId])).toEqual([[id, id]]);
        }
      });
    });
  });
}

/**
 * The item tests of {@link describeStoreConformance}, for an adapter of the items part alone.
 *
 * @example
 * ```ts
 * describeItemStoreConformance('cms', () => createCmsItemStore({ client }));
 * ```
 */
export function describeItemStoreConformance(name: string, factory: () => ItemStore | Promise<ItemStore>, options: ConformanceOptions = {}): void {
  describeStoreConformance(name, async () => {
    const items = await factory();
    return { items, clear: () => items.clear() };
  }, options);
}

/**
 * The user and profile tests of {@link describeStoreConformance}, for an adapter of the profiles part alone.
 *
 * @example
 * ```ts
 * describeProfileStoreConformance('dynamo', () => createDynamoProfiles({ client }));
 * ```
 */
export function describeProfileStoreConformance(name: string, factory: () => ProfileStore | Promise<ProfileStore>, options: ConformanceOptions = {}): void {
  describeStoreConformance(name, async () => {
    const profiles = await factory();
    return { profiles, clear: () => profiles.clear() };
  }, options);
}
