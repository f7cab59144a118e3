import { describe, expect, it } from 'vitest';
import { createRandom } from '@mycontent/core/data';
import { createHashingEmbedder, tokenize } from '@mycontent/algorithms';

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);

/** A toy corpus: sport texts and politics texts drawn from two vocabularies. */
function corpus(n: number, seed: number): { texts: string[]; topic: number[] } {
  const rng = createRandom(seed);
  const vocab = [
    ['goal', 'match', 'striker', 'league', 'coach', 'stadium', 'penalty', 'referee', 'season', 'transfer'],
    ['election', 'minister', 'parliament', 'vote', 'senate', 'policy', 'budget', 'campaign', 'president', 'law'],
  ];
  const texts: string[] = [];
  const topic: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = rng.int(2);
    topic.push(t);
    texts.push(Array.from({ length: 12 }, () => vocab[t]![rng.int(10)]).join(' '));
  }
  return { texts, topic };
}

describe('hashing embedder', () => {
  it('tokenizes: lower case, accents stripped, stopwords and one-letter tokens dropped', () => {
    expect(tokenize('O Ministro da Saúde anunciou: R$ 2 bilhões!')).toEqual(['ministro', 'saude', 'anunciou', 'bilhoes']);
  });

  it('returns unit vectors of the dimension, deterministic, similar for shared words (unfitted)', async () => {
    const embedder = createHashingEmbedder({ dimension: 64 });
    const [a, b, c] = await embedder.embed(['goal match striker league', 'goal match striker coach', 'election minister vote senate']);
    expect(a!.length).toBe(64);
    expect(Math.hypot(...a!)).toBeCloseTo(1, 5);
    expect(cosine(a!, b!)).toBeGreaterThan(cosine(a!, c!) + 0.3);
    const [again] = await createHashingEmbedder({ dimension: 64 }).embed(['goal match striker league']);
    expect(Array.from(again!)).toEqual(Array.from(a!));
  });

  it('learns an LSA projection that puts same-topic texts together, even without shared words', async () => {
    const { texts, topic } = corpus(400, 3);
    // A rank well below the 20-word vocabulary, so co-occurring words merge (LSA).
    const embedder = createHashingEmbedder({ dimension: 4, hashFeatures: 1024 });
    await embedder.fit(texts);
    expect(embedder.fitted).toBe(true);
    // Disjoint word sets of the same topic.
    const [s1, s2, p1] = await embedder.embed(['goal match striker', 'coach stadium penalty', 'election minister vote']);
    expect(cosine(s1!, s2!)).toBeGreaterThan(0.5);
    expect(cosine(s1!, s2!)).toBeGreaterThan(cosine(s1!, p1!) + 0.4);
    const vectors = await embedder.embed(texts.slice(0, 50));
    let same = 0;
    let cross = 0;
    let ns = 0;
    let nc = 0;
    for (let i = 0; i < 50; i++) for (let j = i + 1; j < 50; j++) {
      if (topic[i] === topic[j]) { same += cosine(vectors[i]!, vectors[j]!); ns++; } else { cross += cosine(vectors[i]!, vectors[j]!); nc++; }
    }
    expect(same / ns).toBeGreaterThan(cross / nc + 0.5);
  });

  it('rejects a corpus of fewer than two documents and bad options', async () => {
    await expect(createHashingEmbedder().fit(['one'])).rejects.toThrow(/at least two documents/);
    expect(() => createHashingEmbedder({ dimension: 1 })).toThrow(/dimension/);
  });
});
