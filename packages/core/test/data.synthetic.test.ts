import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSyntheticNews, loadGloboDataset, readGloboClicks, writeGloboDataset } from '@mycontent/core/data';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('synthetic news generator', () => {
  const news = generateSyntheticNews('tiny', { seed: 3 });
  const { clicks, items } = news;
  const categoryOfRow = (i: number) => items[Number(clicks.items[clicks.item[i]!])]!.category;

  it('is deterministic for a seed and differs across seeds', () => {
    const again = generateSyntheticNews('tiny', { seed: 3 });
    expect(Array.from(again.clicks.item)).toEqual(Array.from(clicks.item));
    expect(again.embeddings.data).toEqual(news.embeddings.data);
    const other = generateSyntheticNews('tiny', { seed: 4 });
    expect(Array.from(other.clicks.item)).not.toEqual(Array.from(clicks.item));
  });

  it('has the configured size, sessions of at least two clicks, and every user', () => {
    expect(clicks.length).toBeGreaterThan(5_500);
    expect(clicks.length).toBeLessThan(6_500);
    expect(clicks.users.length).toBe(300);
    expect(items).toHaveLength(600);
    const sizes = new Map<number, number>();
    for (let i = 0; i < clicks.length; i++) sizes.set(clicks.session[i]!, (sizes.get(clicks.session[i]!) ?? 0) + 1);
    expect(Math.min(...sizes.values())).toBeGreaterThanOrEqual(2);
  });

  it('skews popularity: the top 10% of clicked articles take over a third of the clicks', () => {
    const counts = new Map<number, number>();
    for (let i = 0; i < clicks.length; i++) counts.set(clicks.item[i]!, (counts.get(clicks.item[i]!) ?? 0) + 1);
    const sorted = [...counts.values()].sort((a, b) => b - a);
    const top = sorted.slice(0, Math.ceil(sorted.length / 10)).reduce((a, b) => a + b, 0);
    expect(top / clicks.length).toBeGreaterThan(1 / 3);
  });

  it('clicks fresh articles: most clicks go to articles under a day old, never to unpublished ones', () => {
    let young = 0;
    for (let i = 0; i < clicks.length; i++) {
      const age = clicks.timestamp[i]! - items[Number(clicks.items[clicks.item[i]!])]!.createdAt;
      expect(age).toBeGreaterThanOrEqual(0);
      if (age < 24 * 3_600_000) young++;
    }
    expect(young / clicks.length).toBeGreaterThan(0.75);
  });

  it('keeps sessions on topic and users on their preferred categories', () => {
    let same = 0;
    let pairs = 0;
    let preferred = 0;
    for (let i = 0; i < clicks.length; i++) {
      const u = Number(clicks.users[clicks.user[i]!]);
      if (news.userPreferences[u]!.includes(Number(categoryOfRow(i)))) preferred++;
      if (i > 0 && clicks.session[i] === clicks.session[i - 1]) {
        pairs++;
        if (categoryOfRow(i) === categoryOfRow(i - 1)) same++;
      }
    }
    expect(same / pairs).toBeGreaterThan(0.6);
    expect(preferred / clicks.length).toBeGreaterThan(0.6);
  });

  it('clusters embeddings by category: same-category pairs are closer than cross-category pairs', () => {
    const { dim, data } = news.embeddings;
    const cos = (a: number, b: number) => {
      let dot = 0, na = 0, nb = 0;
      for (let d = 0; d < dim; d++) {
        dot += data[a * dim + d]! * data[b * dim + d]!;
        na += data[a * dim + d]! ** 2;
        nb += data[b * dim + d]! ** 2;
      }
      return dot / Math.sqrt(na * nb);
    };
    let sameSum = 0, sameN = 0, crossSum = 0, crossN = 0;
    for (let a = 0; a < 100; a++) {
      for (let b = a + 1; b < 100; b++) {
        if (items[a]!.category === items[b]!.category) { sameSum += cos(a, b); sameN++; }
        else { crossSum += cos(a, b); crossN++; }
      }
    }
    expect(sameSum / sameN).toBeGreaterThan(crossSum / crossN + 0.3);
  });

  it('writes the Globo layout and loads it back identically', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mycontent-globo-'));
    dirs.push(dir);
    await writeGloboDataset(dir, news);
    const files = await readdir(join(dir, 'clicks'));
    expect(files.every((f) => /^clicks_hour_\d{3}\.csv$/.test(f))).toBe(true);
    const header = (await readFile(join(dir, 'clicks', files[0]!), 'utf8')).split('\n')[0];
    expect(header).toBe(
      'user_id,session_id,session_start,session_size,click_article_id,click_timestamp,click_environment,click_deviceGroup,click_os,click_country,click_region,click_referrer_type',
    );
    const progress: string[] = [];
    const loaded = await loadGloboDataset(dir, { attachEmbeddings: true, onProgress: (p) => progress.push(p.phase) });
    expect(loaded.items).toEqual(items.map((item) => ({ ...item, embedding: expect.any(Float32Array) })));
    expect(loaded.clicks.length).toBe(clicks.length);
    const key = (t: typeof clicks, i: number) => `${t.users[t.user[i]!]}|${t.items[t.item[i]!]}|${t.timestamp[i]}|${t.sessions[t.session[i]!]}`;
    const expected = new Set(Array.from({ length: clicks.length }, (_, i) => key(clicks, i)));
    for (let i = 0; i < loaded.clicks.length; i++) expect(expected.has(key(loaded.clicks, i))).toBe(true);
    expect(loaded.embeddings!.data).toEqual(news.embeddings.data);
    expect(Array.from(loaded.items[5]!.embedding!)).toEqual(Array.from(news.embeddings.data.subarray(5 * 16, 6 * 16)));
    expect(progress).toContain('clicks');
    let streamed = 0;
    for await (const batch of readGloboClicks(join(dir, 'clicks'))) {
      streamed += batch.length;
      expect(batch[0]!.context).toHaveProperty('deviceGroup');
    }
    expect(streamed).toBe(clicks.length);
  });
});
