import { createRandom } from '../data/random';
import { teamDraftInterleave } from '../experiments/interleaving';
import { fnv1a32 } from '../hash/fnv';
import type { Candidate } from './candidate';
import type { Ranker } from './ranker';
import { rank, type RankingRequest, type RankingScope } from './ranking';
import type { UserContext } from './user-context';
import type { RankingSide } from './variants';

/**
 * An interleaved list: the same user context ranked by two rankers (`a` and `b`, each its blend
 * and diversity, through the one ranking path), merged by team draft — the teams take turns,
 * a coin seeded by `seedKey` choosing who starts each round — each item marked with its `team`.
 */
export async function rankInterleaved(
  ranker: Ranker,
  scope: RankingScope,
  context: UserContext,
  request: RankingRequest,
  sides: { a: RankingSide; b: RankingSide },
  seedKey: string,
): Promise<Candidate[]> {
  const [a, b] = await Promise.all(
    [sides.a, sides.b].map((side) => rank(ranker, scope, context, { ...request, weights: side.weights, ...(side.diversity === undefined ? {} : { diversity: side.diversity }) })),
  );
  const byItem = new Map<number, Candidate>();
  for (const c of [...b!, ...a!]) byItem.set(c.item, c);
  const rng = createRandom(fnv1a32(`interleave:${seedKey}`));
  const { items, teams } = teamDraftInterleave(
    a!.map((c) => c.item),
    b!.map((c) => c.item),
    request.n,
    () => rng.next(),
  );
  return items.map((item, i) => ({ ...byItem.get(item)!, team: teams[i]! }));
}
