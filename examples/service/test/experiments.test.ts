/**
 * The service with experiments on (the example experiments file, embedded defaults): lists carry
 * their id and variant, feedback naming the list is attributed to it, and editors read the
 * results; readers cannot.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app';
import { openBackends, type Backends } from '../src/backends';
import { readConfig } from '../src/config';

const ADMIN = { email: 'admin@example.com', password: 'admin password 1234' };
const EXPERIMENTS_FILE = fileURLToPath(new URL('../experiments.json', import.meta.url));
let backends: Backends;
let app: FastifyInstance;

const json = (body: unknown, token: string) => ({ payload: JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });

async function session(path: 'sign-up' | 'sign-in', email: string, password: string): Promise<{ id: string; token: string }> {
  const response = await app.inject({ method: 'POST', url: `/api/v1/auth/${path}`, payload: { email, password } });
  expect(response.statusCode, response.body).toBe(path === 'sign-up' ? 201 : 200);
  return { id: response.json().account.id, token: response.json().access_token };
}

beforeAll(async () => {
  const config = readConfig({ DEMO_SCALE: 'tiny', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, RATE_LIMIT_PER_MINUTE: '100000', AUTH_RATE_LIMIT_PER_MINUTE: '100000', EXPERIMENTS_FILE });
  backends = await openBackends(config);
  app = await buildApp(config, backends);
});

afterAll(async () => {
  await app?.close();
  await backends?.close();
});

describe('experiments in the service', () => {
  it('serves each reader their variant, attributes feedback to the list, and shows editors the results', async () => {
    expect(backends.startup.experiments).toEqual(['blend-weight']);
    const admin = await session('sign-in', ADMIN.email, ADMIN.password);
    const readers = await Promise.all(Array.from({ length: 12 }, (_, i) => session('sign-up', `reader${i}@example.com`, 'a long enough password')));
    const variants = new Set<string>();
    for (const reader of readers) {
      const list = (await app.inject({ url: `/api/v1/recommendations?user_id=${reader.id}&n=5`, headers: { authorization: `Bearer ${reader.token}` } })).json();
      expect(list.recommendation_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(list.experiments).toHaveLength(1);
      expect(list.experiments[0].experiment).toBe('blend-weight');
      variants.add(list.experiments[0].variant);
      const clicked = await app.inject({
        method: 'POST',
        url: '/api/v1/feedback',
        ...json({ user_id: reader.id, article_id: list.items[0].article_id, type: 'click', recommendation_id: list.recommendation_id }, reader.token),
      });
      expect(clicked.statusCode, clicked.body).toBe(200);
    }
    expect(variants.size).toBeGreaterThan(1);
    const stray = await app.inject({ method: 'POST', url: '/api/v1/events', ...json({ events: [{ user_id: readers[0]!.id, article_id: '1', type: 'click', recommendation_id: 'no-such-list' }] }, readers[0]!.token) });
    expect(stray.statusCode, stray.body).toBe(200);

    const definitions = await app.inject({ url: '/api/v1/experiments', headers: { authorization: `Bearer ${admin.token}` } });
    expect(definitions.json().experiments[0]).toMatchObject({ key: 'blend-weight', status: 'running', coverage: 1 });
    let results: { attribution: Record<string, number>; variants: { users: number; clicks: number }[]; comparisons: Record<string, unknown>; sample_ratio: unknown } | undefined;
    for (let attempt = 0; attempt < 50; attempt++) {
      const response = await app.inject({ url: '/api/v1/experiments/blend-weight/results', headers: { authorization: `Bearer ${admin.token}` } });
      expect(response.statusCode, response.body).toBe(200);
      results = response.json();
      if (results!.attribution.by_list_id === readers.length) break;
      await new Promise((resolve) => setTimeout(resolve, 100)); // the recorder stores the exposures
    }
    expect(results!.attribution).toMatchObject({ by_list_id: readers.length, unknown_list_id: 1 });
    expect(results!.variants.reduce((sum, v) => sum + v.users, 0)).toBe(readers.length);
    expect(results!.variants.reduce((sum, v) => sum + v.clicks, 0)).toBe(readers.length);
    expect(Object.keys(results!.comparisons).sort()).toEqual(['diverse', 'more-content']);

    // The catalogue health panel's data: the newest articles with their reach; editors only.
    const newest = await app.inject({ url: '/api/v1/articles/newest?n=5', headers: { authorization: `Bearer ${admin.token}` } });
    expect(newest.statusCode, newest.body).toBe(200);
    const articles = newest.json().articles as { created_at: string; views: number; clicks: number }[];
    expect(articles).toHaveLength(5);
    expect([...articles].sort((a, b) => b.created_at.localeCompare(a.created_at))).toEqual(articles);
    expect((await app.inject({ url: '/api/v1/articles/newest', headers: { authorization: `Bearer ${readers[0]!.token}` } })).statusCode).toBe(403);

    const forbidden = await app.inject({ url: '/api/v1/experiments/blend-weight/results', headers: { authorization: `Bearer ${readers[0]!.token}` } });
    expect(forbidden.statusCode).toBe(403);
    const unknown = await app.inject({ url: '/api/v1/experiments/nope/results', headers: { authorization: `Bearer ${admin.token}` } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().errors[0]).toMatchObject({ field: 'key', value: 'nope' });

    // Erasing a reader removes their assignment and the lists served to them.
    const erased = await app.inject({ method: 'DELETE', url: `/api/v1/user/data?user_id=${readers[1]!.id}`, headers: { authorization: `Bearer ${readers[1]!.token}` } });
    expect(erased.json()).toMatchObject({ experiment_assignments: 1, exposures: 1 });
  });

  it('refuses an experiments file it cannot read, or an experiment it cannot run, naming what is wrong', async () => {
    expect(() => readConfig({ EXPERIMENTS_FILE: '/no/such/file.json' })).toThrow(/EXPERIMENTS_FILE="\/no\/such\/file.json": ENOENT/);
    const bad = join(tmpdir(), `experiments-${process.pid}.json`);
    writeFileSync(bad, JSON.stringify({ experiments: [{ key: 'x', variants: [{ key: 'a', weight: 0.7 }, { key: 'b', weight: 0.7 }] }] }));
    await expect(openBackends(readConfig({ DEMO_SCALE: 'none', EXPERIMENTS_FILE: bad }))).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'experiments.0.variants.weight' });
    writeFileSync(bad, JSON.stringify({ experiments: [{ key: 'x', variants: [{ key: 'a' }, { key: 'b', settings: { blend: { nope: 1 } } }] }] }));
    await expect(openBackends(readConfig({ DEMO_SCALE: 'none', EXPERIMENTS_FILE: bad }))).rejects.toMatchObject({ code: 'INVALID_CONFIG', field: 'experiments.0.variants.1.settings.blend.nope' });
    writeFileSync(bad, '{"experiments": 3}');
    expect(() => readConfig({ EXPERIMENTS_FILE: bad })).toThrow(/EXPERIMENTS_FILE=.*: experiments Invalid input/);
  });
});
