import { describe, expect, it } from 'vitest';
import { createWorld, runPolicy } from '../src/simulator';
import { POLICIES } from '../src/policies';

const small = { seed: 3, initialArticles: 120, articlesPerDay: 20, initialUsers: 200, newUsersPerDay: 30, days: 2 };

describe('news audience simulator', () => {
  it('is deterministic for a seed and reports consistent counts', async () => {
    const world = createWorld(small);
    const a = await runPolicy(world, 'popular', POLICIES['popular for everyone']!);
    const b = await runPolicy(createWorld(small), 'popular', POLICIES['popular for everyone']!);
    expect(b).toEqual(a);
    expect(a.impressions).toBeGreaterThan(1_000);
    expect(a.clicks).toBeGreaterThan(0);
    expect(a.ctr).toBeCloseTo(a.clicks / a.impressions, 12);
    expect(a.ctrByDay).toHaveLength(2);
    expect(a.coverage).toBeGreaterThan(0);
    expect(a.coverage).toBeLessThanOrEqual(1);
    expect(a.regretPerImpression).toBeGreaterThan(0);
  });

  it('measures what the policies change: diversity re-ranking raises intra-list diversity', async () => {
    const world = createWorld(small);
    const plain = await runPolicy(world, 'hybrid', POLICIES['hybrid + progressive cold start + new-article exposure']!);
    const diverse = await runPolicy(world, 'diverse', POLICIES['the same + diversity (MMR, lambda 0.7)']!);
    expect(diverse.intraListDiversity).toBeGreaterThan(plain.intraListDiversity);
    expect(diverse.categoriesPerList).toBeGreaterThan(plain.categoriesPerList);
    expect(plain.categoriesPerList).toBeGreaterThanOrEqual(1);
    // Personalised policies reach more of the catalogue than showing everyone the same list.
    const popular = await runPolicy(world, 'popular', POLICIES['popular for everyone']!);
    expect(plain.coverage).toBeGreaterThan(popular.coverage);
  });
});
