/**
 * A seeded synthetic experiment log: what an engine with the `blend-weight` experiment and an
 * exposure log would have recorded over a week — the served lists (exposures) and the clicks on
 * them, naming their list or not — with a known true click-through per variant, and a week of
 * clicks before the experiment (the CUPED covariate). For trying `experiment-results` without a
 * deployment.
 */
import { randomUUID } from 'node:crypto';
import { createExperimentAssigner, type ExperimentInput, type InteractionInput, type ListExposure } from '@mycontent/core';
import { createRandom } from '@mycontent/core/data';

/** The experiment the log is of, with each variant's true click-through per impression. */
export const DEMO_EXPERIMENT: ExperimentInput = {
  key: 'blend-weight',
  variants: [
    { key: 'control', weight: 0.5, settings: {} },
    { key: 'more-content', weight: 0.25, settings: { blend: { related: 0.5, content: 0.4, trending: 0.1 } } },
    { key: 'diverse', weight: 0.25, settings: { diversity: { lambda: 0.7, by: 'category' } } },
  ],
};
const TRUE_CTR: Record<string, number> = { control: 0.03, 'more-content': 0.036, diverse: 0.029 };
const DAY = 86_400_000;
/** Position bias, normalised to a mean of 1 over a list of 10: the true CTR is per impression. */
const POSITION = (() => {
  const raw = Array.from({ length: 10 }, (_, p) => 1 / (1 + 0.1 * p));
  const mean = raw.reduce((a, b) => a + b, 0) / raw.length;
  return raw.map((w) => w / mean);
})();

export interface ExperimentLog {
  experiments: { experiments: ExperimentInput[] };
  exposures: ListExposure[];
  interactions: InteractionInput[];
  trueCtr: Record<string, number>;
}

/** `users` readers, each with their own visit rate and taste for clicking, over 7 days before and 7 during the experiment. */
export function generateExperimentLog(options: { users: number; seed: number; start: number }): ExperimentLog {
  const rng = createRandom(options.seed);
  const assigner = createExperimentAssigner({ experiments: [DEMO_EXPERIMENT], now: () => options.start });
  const items = Array.from({ length: 500 }, (_, i) => ({ id: `a${i}`, category: `c${i % 8}` }));
  const exposures: ListExposure[] = [];
  const interactions: InteractionInput[] = [];
  for (let u = 0; u < options.users; u++) {
    const userId = `reader-${u}`;
    const visits = Math.exp(rng.normal() - 0.5) * 0.6; // lists per day: heavy and light readers
    const appetite = Math.exp(0.5 * rng.normal() - 0.125); // how much this reader clicks, relative
    const { variant } = assigner.assign('blend-weight', userId);
    for (let day = -7; day < 7; day++) {
      let lists = 0;
      for (let k = 0; k < 5; k++) if (rng.next() < visits / 5) lists++;
      for (let l = 0; l < lists; l++) {
        const at = options.start + day * DAY + Math.floor(rng.next() * DAY);
        const shown = Array.from({ length: 10 }, () => items[rng.int(items.length)]!.id);
        const ctr = (day < 0 ? TRUE_CTR.control! : TRUE_CTR[variant!]!) * appetite;
        const id = randomUUID();
        if (day >= 0) {
          exposures.push({
            id,
            userId,
            servedAt: at,
            experiments: [{ experiment: 'blend-weight', variant: variant! }],
            items: shown,
            sources: shown.map(() => 'related'),
            propensities: shown.map(() => 1),
            phase: 'personalized',
            cached: false,
          });
        }
        shown.forEach((itemId, position) => {
          if (rng.next() >= ctr * POSITION[position]!) return;
          // Most clicks name their list; some come back later without it (another page, the app).
          const named = day >= 0 && rng.next() < 0.8;
          interactions.push({ userId, itemId, type: 'click', timestamp: at + 1_000 * (position + 1), ...(named ? { recommendationId: id } : {}) });
          if (rng.next() < 0.6) {
            interactions.push({ userId, itemId, type: 'read', timestamp: at + 2_000 * (position + 1), duration: Math.round(20 + 100 * rng.next()), ...(named ? { recommendationId: id } : {}) });
          }
        });
      }
    }
  }
  interactions.sort((a, b) => Number(a.timestamp) - Number(b.timestamp));
  return { experiments: { experiments: [DEMO_EXPERIMENT] }, exposures, interactions, trueCtr: TRUE_CTR };
}
