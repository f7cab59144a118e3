import { describe, expect, it } from 'vitest';
import {
  auc,
  averagePrecisionAtK,
  catalogCoverage,
  categoryCoverage,
  hitRateAtK,
  intraListDiversity,
  ndcgAtK,
  novelty,
  precisionAtK,
  recallAtK,
  reciprocalRankAtK,
  serendipityAtK,
} from '@mycontent/core/eval';

// The list recommends items 10, 20, 30, 40, 50; the user's relevant items are 20, 50 and 99.
const list = [10, 20, 30, 40, 50];
const relevant = new Set([20, 50, 99]);

describe('ranking metrics, computed by hand', () => {
  it('precision, recall, hit rate', () => {
    expect(precisionAtK(list, relevant, 5)).toBeCloseTo(2 / 5, 12);
    expect(precisionAtK(list, relevant, 2)).toBeCloseTo(1 / 2, 12);
    expect(recallAtK(list, relevant, 5)).toBeCloseTo(2 / 3, 12);
    expect(recallAtK(list, relevant, 1)).toBe(0);
    expect(hitRateAtK(list, relevant, 1)).toBe(0);
    expect(hitRateAtK(list, relevant, 2)).toBe(1);
  });

  it('nDCG: hits at positions 2 and 5 against an ideal of 3 hits at 1..3', () => {
    const dcg = 1 / Math.log2(3) + 1 / Math.log2(6);
    const ideal = 1 + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(ndcgAtK(list, relevant, 5)).toBeCloseTo(dcg / ideal, 12);
    // At k = 2 the ideal holds 2 hits.
    expect(ndcgAtK(list, relevant, 2)).toBeCloseTo(1 / Math.log2(3) / (1 + 1 / Math.log2(3)), 12);
    expect(ndcgAtK([20, 50, 99], relevant, 3)).toBeCloseTo(1, 12);
  });

  it('average precision: (1/2 + 2/5) / min(3, 5)', () => {
    expect(averagePrecisionAtK(list, relevant, 5)).toBeCloseTo((1 / 2 + 2 / 5) / 3, 12);
    expect(averagePrecisionAtK([20, 50], new Set([20, 50]), 10)).toBeCloseTo(1, 12);
  });

  it('reciprocal rank of the first hit', () => {
    expect(reciprocalRankAtK(list, relevant, 5)).toBe(1 / 2);
    expect(reciprocalRankAtK(list, relevant, 1)).toBe(0);
  });

  it('AUC: the share of positive/negative pairs ordered right, ties one half', () => {
    expect(auc([0.9], [0.1, 0.2])).toBe(1);
    expect(auc([0.1], [0.5, 0.9])).toBe(0);
    // pairs: (0.8 > 0.5) (0.8 > 0.3) (0.4 < 0.5) (0.4 > 0.3) -> 3/4
    expect(auc([0.8, 0.4], [0.5, 0.3])).toBeCloseTo(3 / 4, 12);
    expect(auc([0.5], [0.5])).toBe(0.5);
    expect(auc([], [1])).toBeNaN();
  });
});

describe('beyond-accuracy metrics, computed by hand', () => {
  it('catalogue and category coverage', () => {
    expect(catalogCoverage([[1, 2], [2, 3]], 10)).toBeCloseTo(3 / 10, 12);
    const category = [0, 0, 1, 2];
    expect(categoryCoverage([[0, 1], [1]], (i) => category[i]!, 3)).toBeCloseTo(1 / 3, 12);
    expect(categoryCoverage([[0, 2, 3]], (i) => category[i]!, 3)).toBe(1);
  });

  it('intra-list diversity: mean pairwise distance', () => {
    const category = [0, 0, 1];
    const distance = (a: number, b: number) => (category[a] === category[b] ? 0 : 1);
    // pairs (0,1)=0 (0,2)=1 (1,2)=1
    expect(intraListDiversity([0, 1, 2], distance)).toBeCloseTo(2 / 3, 12);
    expect(intraListDiversity([0], distance)).toBe(0);
  });

  it('novelty: mean -log2((users(i) + 1) / (users + 1))', () => {
    const usersPerItem = [7, 1];
    expect(novelty([0, 1], usersPerItem, 7)).toBeCloseTo((-Math.log2(8 / 8) - Math.log2(2 / 8)) / 2, 12);
    expect(novelty([5], usersPerItem, 7)).toBeCloseTo(3, 12); // unseen: -log2(1/8)
  });

  it('serendipity: relevant and not expected, over k', () => {
    expect(serendipityAtK(list, relevant, new Set([20]), 5)).toBeCloseTo(1 / 5, 12);
    expect(serendipityAtK(list, relevant, new Set(), 5)).toBeCloseTo(2 / 5, 12);
  });
});
