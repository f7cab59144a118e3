import { describe, expect, it } from 'vitest';
import { createExactVectorIndex } from '@mycontent/adapters/memory';
import { createContentModel } from '@mycontent/algorithms';

describe('content model', () => {
  it('weighs recent reads more and pushes away from dislikes', async () => {
    const content = createContentModel({ index: (dimension) => createExactVectorIndex({ dimension }), recencyDecay: 0.5 });
    await content.indexItems!([
      { item: 0, embedding: Float32Array.from([1, 0, 0]) },
      { item: 1, embedding: Float32Array.from([0, 1, 0]) },
      { item: 2, embedding: Float32Array.from([0, 0, 1]) },
    ]);
    await content.fit({} as never);
    // History 0 (older, weight 0.5) then 1 (newest, weight 1): profile ∝ (0.5, 1, 0).
    const p = content.profile({ history: Int32Array.from([0, 1]) })!;
    expect(p[1]! / p[0]!).toBeCloseTo(2, 5);
    const pushed = content.profile({ history: Int32Array.from([0, 1]), dislikes: Int32Array.from([1]) })!;
    expect(pushed[1]).toBeCloseTo(0, 5);
    const top = await content.recommend({ history: Int32Array.from([2]), k: 1, filter: (i) => i !== 2 });
    expect(top.items).toHaveLength(1);
    const similar = await content.similar!(0, 2);
    expect(Array.from(similar.items)).not.toContain(0);
  });
});
