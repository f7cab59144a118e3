import { describe, expect, it } from 'vitest';
import { blendSources } from '@mycontent/core';
import { createRandom } from '@mycontent/core/data';
import { TopK } from '@mycontent/core/internal';

describe('TopK', () => {
  it('keeps the k best of random scores, best first, like a full sort', () => {
    const rng = createRandom(1);
    const scores = Array.from({ length: 1000 }, () => Math.fround(rng.next()));
    const top = new TopK(25);
    scores.forEach((s, i) => top.push(i, s));
    const { items, scores: best } = top.drain();
    const expected = scores
      .map((s, i) => [i, s] as const)
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, 25);
    expect(Array.from(items)).toEqual(expected.map((e) => e[0]));
    expect(Array.from(best)).toEqual(expected.map((e) => e[1]));
  });

  it('breaks ties on the lower id whatever the push order', () => {
    const a = new TopK(2);
    const b = new TopK(2);
    [[5, 1], [3, 1], [9, 1], [1, 0.5]].forEach(([id, s]) => a.push(id!, s!));
    [[9, 1], [1, 0.5], [5, 1], [3, 1]].forEach(([id, s]) => b.push(id!, s!));
    expect(Array.from(a.drain().items)).toEqual([3, 5]);
    expect(Array.from(b.drain().items)).toEqual([3, 5]);
  });

  it('returns fewer entries when fewer were pushed, and can be reused', () => {
    const top = new TopK(10);
    top.push(1, 2);
    expect(Array.from(top.drain().items)).toEqual([1]);
    top.reset(3);
    for (let i = 0; i < 5; i++) top.push(i, i);
    expect(Array.from(top.drain().items)).toEqual([4, 3, 2]);
  });
});

describe('blendSources', () => {
  it('min-max normalises each list to [0.1, 1], weighs, sums and explains', () => {
    const a = { items: Int32Array.from([1, 2, 3]), scores: Float32Array.from([10, 5, 0]) };
    const b = { items: Int32Array.from([3, 4]), scores: Float32Array.from([2, 1]) };
    const out = blendSources(
      [
        { name: 'a', weight: 0.6, result: a },
        { name: 'b', weight: 0.4, result: b },
      ],
      10,
    );
    // a: 1 -> 1, 2 -> 0.55, 3 -> 0.1 ; b: 3 -> 1, 4 -> 0.1
    const byItem = Object.fromEntries(out.map((c) => [c.item, c]));
    expect(byItem[1]!.score).toBeCloseTo(0.6, 6);
    expect(byItem[2]!.score).toBeCloseTo(0.33, 6);
    expect(byItem[3]!.score).toBeCloseTo(0.06 + 0.4, 6);
    expect(byItem[3]!.source).toBe('b');
    expect(byItem[3]!.contributions).toEqual({ a: expect.closeTo(0.06, 6), b: expect.closeTo(0.4, 6) });
    expect(byItem[4]!.score).toBeCloseTo(0.04, 6);
    expect(out.map((c) => c.item)).toEqual([1, 3, 2, 4]);
  });

  it('gives a single-item list full weight and skips zero weights', () => {
    const out = blendSources(
      [
        { name: 'one', weight: 2, result: { items: Int32Array.from([7]), scores: Float32Array.from([0.001]) } },
        { name: 'off', weight: 0, result: { items: Int32Array.from([8]), scores: Float32Array.from([99]) } },
      ],
      5,
    );
    expect(out).toEqual([{ item: 7, score: 2, source: 'one', contributions: { one: 2 } }]);
  });
});
