import { MyContentError } from '../errors/error';
import type { RankedList, RankingScorer } from './learned-ranking';

/** Options of {@link createLinearScorer}. */
export interface LinearScorerOptions {
  /** AdaGrad step size. @default 0.05 */
  learningRate?: number | undefined;
  /** Pull of each weight back to its starting value (the fixed blend) per update. @default 0.0001 */
  regularization?: number | undefined;
}

/**
 * The default scorer of a learned ranking stage: a weight per feature, starting with all of it on
 * `blend` (so that it first ranks as the fixed blend), moved by AdaGrad steps and pulled back
 * towards that start by `regularization`.
 */
export function createLinearScorer(options: LinearScorerOptions = {}): RankingScorer {
  const learningRate = options.learningRate ?? 0.05;
  const regularization = options.regularization ?? 0.0001;
  const check = (ok: boolean, field: string, value: unknown, why: string) => {
    if (!ok) throw new MyContentError('INVALID_CONFIG', `learnedRanking.${field} ${why}, got ${JSON.stringify(value)}`, { source: 'learned-ranking', field, value });
  };
  check(learningRate > 0 && Number.isFinite(learningRate), 'learningRate', learningRate, 'must be a positive number');
  check(regularization >= 0 && Number.isFinite(regularization), 'regularization', regularization, 'must be a non-negative number');
  let names: readonly string[] = [];
  let w = new Float64Array(0);
  let w0 = new Float64Array(0);
  let g2 = new Float64Array(0);

  return {
    attach(features, blendColumn) {
      names = features;
      w = new Float64Array(features.length);
      w[blendColumn] = 1;
      w0 = Float64Array.from(w);
      g2 = new Float64Array(features.length);
    },
    score({ x, features: f, items }: RankedList) {
      const scores = new Float64Array(items.length);
      for (let i = 0; i < items.length; i++) {
        let s = 0;
        for (let j = 0; j < f; j++) s += w[j]! * x[i * f + j]!;
        scores[i] = s;
      }
      return scores;
    },
    learn({ x, features: f, items }: RankedList, gradient: Float64Array) {
      for (let j = 0; j < f; j++) {
        let g = 0;
        for (let i = 0; i < items.length; i++) if (gradient[i] !== 0) g += gradient[i]! * x[i * f + j]!;
        g -= regularization * (w[j]! - w0[j]!);
        if (g === 0) continue;
        g2[j]! += g * g;
        w[j]! += (learningRate * g) / Math.sqrt(g2[j]! + 1e-8);
      }
    },
    weights: () => Object.fromEntries(names.map((name, j) => [name, w[j]!])),
  };
}
