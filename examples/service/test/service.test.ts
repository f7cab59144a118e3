/**
 * The REST service over HTTP (Fastify inject, and one real socket): every endpoint, every role,
 * every refusal. Embedded defaults (PGlite, the tiny demo news).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, UnsecuredJWT } from 'jose';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app';
import { openBackends, type Backends } from '../src/backends';
import { readConfig, type ServiceConfig } from '../src/config';

const ADMIN = { email: 'admin@example.com', password: 'admin password 1234' };
const SCRAPER_TOKEN = 'prometheus-scraper-token-0123456789abcdef';

let config: ServiceConfig;
let backends: Backends;
let app: FastifyInstance;

interface Session {
  id: string;
  token: string;
  cookies: Record<string, string>;
}

const json = (body: unknown, headers: Record<string, string> = {}) => ({ payload: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
const bearer = (s: Session) => ({ authorization: `Bearer ${s.token}` });
const cookieHeader = (cookies: Record<string, string>) => Object.entries(cookies).map(([k, v]) => `${k}=${v}`).join('; ');

function cookiesOf(response: { cookies: { name: string; value: string }[] }): Record<string, string> {
  return Object.fromEntries(response.cookies.map((c) => [c.name, c.value]));
}

async function signUp(email: string, password = 'a long enough password'): Promise<Session> {
  const response = await app.inject({ method: 'POST', url: '/api/v1/auth/sign-up', ...json({ email, password }) });
  expect(response.statusCode, response.body).toBe(201);
  const body = response.json();
  return { id: body.account.id, token: body.access_token, cookies: cookiesOf(response) };
}

async function signIn(email: string, password: string): Promise<Session> {
  const response = await app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', ...json({ email, password }) });
  expect(response.statusCode, response.body).toBe(200);
  const body = response.json();
  return { id: body.account.id, token: body.access_token, cookies: cookiesOf(response) };
}

beforeAll(async () => {
  config = readConfig({ DEMO_SCALE: 'tiny', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, RATE_LIMIT_PER_MINUTE: '100000', AUTH_RATE_LIMIT_PER_MINUTE: '100000', METRICS_TOKEN: SCRAPER_TOKEN });
  backends = await openBackends(config);
  app = await buildApp(config, backends);
});

afterAll(async () => {
  await app?.close();
  await backends?.close();
});

describe('embedded defaults', () => {
  it('starts with the demo news seeded and the models trained', async () => {
    expect(backends.mode).toBe('embedded');
    expect(backends.startup).toMatchObject({ seeded: true, articles: 600, models: 'trained' });
    const ready = await app.inject('/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json().ok).toBe(true);
    expect((await app.inject('/health')).json()).toEqual({ status: 'ok' });
  });

  it('serves the OpenAPI document of every endpoint and the interactive docs', async () => {
    const doc = (await app.inject('/docs/json')).json();
    expect(doc.openapi).toBe('3.1.0');
    const paths = Object.keys(doc.paths);
    for (const path of [
      '/api/v1/recommendations',
      '/api/v1/feedback',
      '/api/v1/events',
      '/api/v1/user/profile',
      '/api/v1/user/preferences',
      '/api/v1/user/data',
      '/api/v1/articles/trending',
      '/api/v1/articles/{id}',
      '/api/v1/articles/{id}/similar',
      '/api/v1/articles',
      '/api/v1/auth/sign-up',
      '/api/v1/auth/sign-in',
      '/api/v1/auth/refresh',
      '/api/v1/auth/sign-out',
      '/api/v1/accounts/{id}',
      '/health',
      '/ready',
      '/metrics',
    ]) {
      expect(paths, path).toContain(path);
    }
    expect(doc.paths['/api/v1/recommendations'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['user_id', 'n']));
    const ui = await app.inject('/docs/');
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toContain('text/html');
  });
});

describe('accounts and tokens', () => {
  it('signs up a reader with HttpOnly, Secure, SameSite cookies and refuses a taken email', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/v1/auth/sign-up', ...json({ email: 'Cookie@Example.com', password: 'a long enough password' }) });
    expect(response.statusCode).toBe(201);
    expect(response.json().account).toMatchObject({ email: 'cookie@example.com', role: 'reader' });
    const byName = Object.fromEntries(response.cookies.map((c) => [c.name, c]));
    for (const name of ['access_token', 'refresh_token']) {
      expect(byName[name], name).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict' });
    }
    expect(byName.refresh_token!.path).toBe('/api/v1/auth');
    expect(byName.access_token!.maxAge).toBe(3_600);
    expect(byName.refresh_token!.maxAge).toBe(30 * 86_400);
    const again = await app.inject({ method: 'POST', url: '/api/v1/auth/sign-up', ...json({ email: 'cookie@example.com', password: 'another long password' }) });
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toContain('application/problem+json');
  });

  it('refuses a short password and a wrong one, naming the field', async () => {
    const short = await app.inject({ method: 'POST', url: '/api/v1/auth/sign-up', ...json({ email: 'short@example.com', password: 'short' }) });
    expect(short.statusCode).toBe(400);
    expect(short.json().errors[0]).toMatchObject({ field: 'password', value: 'short' });
    await signUp('wrong@example.com');
    const wrong = await app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', ...json({ email: 'wrong@example.com', password: 'not the password' }) });
    expect(wrong.statusCode).toBe(401);
    const unknown = await app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', ...json({ email: 'nobody@example.com', password: 'not the password' }) });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().detail).toBe(wrong.json().detail); // no hint whether the account exists
  });

  it('refuses expired, tampered, foreign-key and alg:none tokens', async () => {
    const reader = await signUp('tokens@example.com');
    const me = await app.inject({ url: '/api/v1/auth/me', headers: bearer(reader) });
    expect(me.statusCode).toBe(200);
    const claims = { role: 'admin' };
    const expired = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(reader.id)
      .setIssuer('mycontent-service')
      .setAudience('mycontent-api')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7_200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3_600)
      .sign(config.jwtSecret);
    const [header, payload, signature] = reader.token.split('.');
    const escalated = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), role: 'admin' })).toString('base64url');
    const tampered = `${header}.${escalated}.${signature}`;
    const foreign = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(reader.id)
      .setIssuer('mycontent-service')
      .setAudience('mycontent-api')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('another key that is long enough!!'));
    const none = new UnsecuredJWT(claims).setSubject(reader.id).setIssuer('mycontent-service').setAudience('mycontent-api').setExpirationTime('1h').encode();
    for (const [label, token] of Object.entries({ expired, tampered, foreign, none })) {
      const response = await app.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } });
      expect(response.statusCode, label).toBe(401);
      expect(response.headers['www-authenticate'], label).toContain('invalid_token');
      const viaCookie = await app.inject({ url: '/metrics', headers: { cookie: `access_token=${token}` } });
      expect(viaCookie.statusCode, label).toBe(401);
    }
  });

  it('rotates refresh tokens, and a replayed one revokes the whole sign-in', async () => {
    const reader = await signUp('rotate@example.com');
    const first = reader.cookies.refresh_token!;
    const refreshed = await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', headers: { cookie: `refresh_token=${first}` } });
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    const second = cookiesOf(refreshed).refresh_token!;
    expect(second).not.toBe(first);
    expect((await app.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${refreshed.json().access_token}` } })).statusCode).toBe(200);

    const replay = await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', headers: { cookie: `refresh_token=${first}` } });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().detail).toContain('already used');
    // The thief's replay also signed out the owner's newer token.
    const owner = await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', headers: { cookie: `refresh_token=${second}` } });
    expect(owner.statusCode).toBe(401);
    expect(owner.json().detail).toContain('revoked');
  });

  it('signs out: the refresh token stops working', async () => {
    const reader = await signUp('signout@example.com');
    const out = await app.inject({ method: 'POST', url: '/api/v1/auth/sign-out', headers: { cookie: cookieHeader(reader.cookies) } });
    expect(out.statusCode).toBe(204);
    const refresh = await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', headers: { cookie: `refresh_token=${reader.cookies.refresh_token}` } });
    expect(refresh.statusCode).toBe(401);
  });
});

describe('readers act on their own data only', () => {
  let alice: Session;
  let bob: Session;
  beforeAll(async () => {
    alice = await signUp('alice@example.com');
    bob = await signUp('bob@example.com');
  });

  const userScoped = (userId: string) => [
    { method: 'GET' as const, url: `/api/v1/recommendations?user_id=${userId}&n=5` },
    { method: 'POST' as const, url: '/api/v1/feedback', ...json({ user_id: userId, article_id: '1', type: 'like' }) },
    { method: 'POST' as const, url: '/api/v1/events', ...json({ events: [{ user_id: userId, article_id: '1', type: 'click' }] }) },
    { method: 'GET' as const, url: `/api/v1/user/profile?user_id=${userId}` },
    { method: 'POST' as const, url: '/api/v1/user/preferences', ...json({ user_id: userId, categories: ['1'] }) },
    { method: 'GET' as const, url: `/api/v1/user/data?user_id=${userId}` },
    { method: 'DELETE' as const, url: `/api/v1/user/data?user_id=${userId}` },
  ];

  it("gets 403 on every endpoint that takes another reader's user id, 401 without a token", async () => {
    for (const request of userScoped(bob.id)) {
      const response = await app.inject({ ...request, headers: { ...('headers' in request ? request.headers : {}), ...bearer(alice) } });
      expect(response.statusCode, `${request.method} ${request.url}`).toBe(403);
      expect(response.json().errors[0]).toMatchObject({ field: 'user_id', value: bob.id });
      const anonymous = await app.inject(request);
      expect(anonymous.statusCode, `${request.method} ${request.url} anonymous`).toBe(401);
    }
    // Bob's data is untouched.
    const profile = await app.inject({ url: `/api/v1/user/profile?user_id=${bob.id}`, headers: bearer(bob) });
    expect(profile.json().interaction_count).toBe(0);
  });

  it('recommends, takes feedback and events, and the next list follows them', async () => {
    const cold = await app.inject({ url: `/api/v1/recommendations?user_id=${alice.id}&n=5`, headers: bearer(alice) });
    expect(cold.statusCode).toBe(200);
    expect(cold.json()).toMatchObject({ user_id: alice.id, phase: 'cold-start' });
    expect(cold.json().items).toHaveLength(5);
    const liked = cold.json().items[0].article_id;
    const feedback = await app.inject({ method: 'POST', url: '/api/v1/feedback', ...json({ user_id: alice.id, article_id: liked, type: 'like' }, bearer(alice)) });
    expect(feedback.statusCode, feedback.body).toBe(200);
    const events = await app.inject({
      method: 'POST',
      url: '/api/v1/events',
      ...json({ events: [{ user_id: alice.id, article_id: cold.json().items[1].article_id, type: 'click', event_id: 'e-1' }] }, bearer(alice)),
    });
    expect(events.statusCode, events.body).toBe(200);
    expect(events.json()).toEqual({ accepted: 1, mode: 'applied' });
    const profile = (await app.inject({ url: `/api/v1/user/profile?user_id=${alice.id}`, headers: bearer(alice) })).json();
    expect(profile.interaction_count).toBe(2);
    expect(profile.recent_articles).toContain(liked);
    const warm = (await app.inject({ url: `/api/v1/recommendations?user_id=${alice.id}&n=5`, headers: bearer(alice) })).json();
    expect(warm.phase).not.toBe('cold-start');
    expect(warm.items.map((r: { article_id: string }) => r.article_id)).not.toContain(liked);
  });

  it('sets preferences, and refuses categories that do not exist', async () => {
    const trending = (await app.inject('/api/v1/articles/trending?n=1')).json();
    const category = trending.items[0].category;
    const set = await app.inject({ method: 'POST', url: '/api/v1/user/preferences', ...json({ user_id: bob.id, categories: [category] }, bearer(bob)) });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().preferences.categories).toEqual([category]);
    const unknown = await app.inject({ method: 'POST', url: '/api/v1/user/preferences', ...json({ user_id: bob.id, categories: ['no-such-category'] }, bearer(bob)) });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors[0].field).toMatch(/^categories/);
    expect(unknown.json().errors[0].value).toBe('no-such-category');
  });

  it('exports and erases a reader everywhere, account included', async () => {
    const carol = await signUp('carol@example.com', 'carol password 1234');
    const item = (await app.inject('/api/v1/articles/trending?n=1')).json().items[0].article_id;
    await app.inject({ method: 'POST', url: '/api/v1/feedback', ...json({ user_id: carol.id, article_id: item, type: 'like' }, bearer(carol)) });
    const exported = await app.inject({ url: `/api/v1/user/data?user_id=${carol.id}`, headers: bearer(carol) });
    expect(exported.statusCode).toBe(200);
    expect(exported.json().account).toMatchObject({ id: carol.id, email: 'carol@example.com' });
    expect(exported.json().interactions).toHaveLength(1);
    const erased = await app.inject({ method: 'DELETE', url: `/api/v1/user/data?user_id=${carol.id}`, headers: bearer(carol) });
    expect(erased.statusCode, erased.body).toBe(200);
    expect(erased.json()).toMatchObject({ user_id: carol.id, interactions: 1, account_deleted: true });
    const signIn = await app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', ...json({ email: 'carol@example.com', password: 'carol password 1234' }) });
    expect(signIn.statusCode).toBe(401);
    const admin = await signIn2();
    const after = (await app.inject({ url: `/api/v1/user/data?user_id=${carol.id}`, headers: bearer(admin) })).json();
    expect(after.account).toBeNull();
    expect(after.interactions).toEqual([]);
  });
});

const signIn2 = () => signIn(ADMIN.email, ADMIN.password);

describe('roles', () => {
  it('lets editors publish (recommendable at once), not readers; admins change roles', async () => {
    const admin = await signIn2();
    const editor = await signUp('editor@example.com');
    const article = { id: 'fresh-1', title: 'Just published', category: '1', embedding: Array.from({ length: 16 }, (_, i) => (i === 0 ? 1 : 0)) };
    const asReader = await app.inject({ method: 'POST', url: '/api/v1/articles', ...json({ articles: [article] }, bearer(editor)) });
    expect(asReader.statusCode).toBe(403);
    const promote = await app.inject({ method: 'PATCH', url: `/api/v1/accounts/${editor.id}`, ...json({ role: 'editor' }, bearer(editor)) });
    expect(promote.statusCode).toBe(403);
    const promoted = await app.inject({ method: 'PATCH', url: `/api/v1/accounts/${editor.id}`, ...json({ role: 'editor' }, bearer(admin)) });
    expect(promoted.statusCode).toBe(200);
    expect(promoted.json().role).toBe('editor');
    // The role is in the token: sign in again to get an editor's token.
    const asEditor = await signIn('editor@example.com', 'a long enough password');
    const published = await app.inject({ method: 'POST', url: '/api/v1/articles', ...json({ articles: [article, { ...article, id: 'fresh-2' }] }, bearer(asEditor)) });
    expect(published.statusCode, published.body).toBe(200);
    expect(published.json()).toEqual({ written: 2 });
    const got = (await app.inject('/api/v1/articles/fresh-1')).json();
    expect(got).toMatchObject({ id: 'fresh-1', title: 'Just published', category: '1', stats: { views: 0, clicks: 0 } });
    expect(got.embedding).toHaveLength(16);
    const similar = (await app.inject('/api/v1/articles/fresh-1/similar?n=3')).json();
    expect(similar.items.map((r: { article_id: string }) => r.article_id)).toContain('fresh-2');
  });

  it('shows Prometheus metrics to admins only', async () => {
    const admin = await signIn2();
    const reader = await signUp('metrics@example.com');
    expect((await app.inject({ url: '/metrics', headers: bearer(reader) })).statusCode).toBe(403);
    expect((await app.inject('/metrics')).statusCode).toBe(401);
    const metrics = await app.inject({ url: '/metrics', headers: bearer(admin) });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toContain('mycontent_http_request_duration_seconds_bucket');
    expect(metrics.body).toMatch(/mycontent_engine_total\{counter="recommendations"\} \d+/);
  });

  it('lets Prometheus scrape /metrics with the static METRICS_TOKEN, and nothing else with it', async () => {
    const scraper = { authorization: `Bearer ${SCRAPER_TOKEN}` };
    const metrics = await app.inject({ url: '/metrics', headers: scraper });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('mycontent_http_request_duration_seconds_bucket');
    // The scraper's token is not an account: anywhere else it is an invalid access token.
    expect((await app.inject({ url: '/api/v1/articles/newest', headers: scraper })).statusCode).toBe(401);
    expect((await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${SCRAPER_TOKEN}x` } })).statusCode).toBe(401);
  });
});

describe('bad input', () => {
  let dave: Session;
  beforeAll(async () => {
    dave = await signUp('dave@example.com');
  });

  it('refuses n outside 1–100, unknown fields, bad ratings and unknown articles, naming the field and value', async () => {
    const cases: [string, { method?: string; url: string; payload?: string; headers?: Record<string, string> }, string, unknown][] = [
      ['n=0', { url: `/api/v1/recommendations?user_id=${dave.id}&n=0` }, 'n', '0'],
      ['n=101', { url: `/api/v1/recommendations?user_id=${dave.id}&n=101` }, 'n', '101'],
      ['unknown query field', { url: `/api/v1/recommendations?user_id=${dave.id}&debug=1` }, 'debug', '1'],
      ['unknown body field', { method: 'POST', url: '/api/v1/feedback', ...json({ user_id: dave.id, article_id: '1', type: 'like', admin: true }) }, 'admin', true],
      ['rating 6', { method: 'POST', url: '/api/v1/feedback', ...json({ user_id: dave.id, article_id: '1', rating: 6 }) }, 'rating', 6],
      ['unknown type', { method: 'POST', url: '/api/v1/feedback', ...json({ user_id: dave.id, article_id: '1', type: 'love' }) }, 'type', 'love'],
      ['unknown article', { method: 'POST', url: '/api/v1/feedback', ...json({ user_id: dave.id, article_id: 'no-such-article', type: 'like' }) }, 'article_id', 'no-such-article'],
    ];
    for (const [label, request, field, value] of cases) {
      const response = await app.inject({ ...request, headers: { ...(request.headers as object), ...bearer(dave) } } as never);
      expect(response.statusCode, label).toBe(400);
      expect(response.headers['content-type'], label).toContain('application/problem+json');
      expect(response.json().errors[0], label).toMatchObject({ field, value });
      expect(response.body, label).not.toMatch(/at .*\.ts:\d+/); // no stack
    }
    const profile = (await app.inject({ url: `/api/v1/user/profile?user_id=${dave.id}`, headers: bearer(dave) })).json();
    expect(profile.interaction_count).toBe(0);
  });

  it('rejects a batch with one bad event whole: nothing is written', async () => {
    const good = (await app.inject('/api/v1/articles/trending?n=1')).json().items[0].article_id;
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/events',
      ...json({ events: [{ user_id: dave.id, article_id: good, type: 'click' }, { user_id: dave.id, article_id: good, type: 'click', timestamp: -5 }] }, bearer(dave)),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].field).toBe('events.1.timestamp');
    const profile = (await app.inject({ url: `/api/v1/user/profile?user_id=${dave.id}`, headers: bearer(dave) })).json();
    expect(profile.interaction_count).toBe(0);
  });

  it('answers malformed JSON with 400, an oversized body with 413, a wrong media type with 415 — all problem+json', async () => {
    const malformed = await app.inject({ method: 'POST', url: '/api/v1/feedback', headers: { ...bearer(dave), 'content-type': 'application/json' }, payload: '{"user_id": ' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.headers['content-type']).toContain('application/problem+json');
    const huge = await app.inject({ method: 'POST', url: '/api/v1/events', headers: { ...bearer(dave), 'content-type': 'application/json' }, payload: `{"events":[${'"x",'.repeat(300_000)}"x"]}` });
    expect(huge.statusCode).toBe(413);
    expect(huge.json()).toMatchObject({ status: 413, title: 'Content Too Large' });
    const text = await app.inject({ method: 'POST', url: '/api/v1/feedback', headers: { ...bearer(dave), 'content-type': 'text/plain' }, payload: 'hello' });
    expect(text.statusCode).toBe(415);
    expect(text.headers['content-type']).toContain('application/problem+json');
    const missing = await app.inject('/api/v1/no-such-route');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toContain('application/problem+json');
  });

  it('stores and returns injection strings in ids and titles byte-exact', async () => {
    const admin = await signIn2();
    const hostile = ["'; DROP TABLE items; --", '<script>alert(1)</script>', 'Robert"); DELETE FROM accounts;--', '../../etc/passwd', 'emoji 📰 und Umlaute äöü'];
    const articles = hostile.map((text, i) => ({ id: `${text}#${i}`, title: text, category: '1' }));
    const published = await app.inject({ method: 'POST', url: '/api/v1/articles', ...json({ articles }, bearer(admin)) });
    expect(published.statusCode, published.body).toBe(200);
    for (const article of articles) {
      const got = await app.inject(`/api/v1/articles/${encodeURIComponent(article.id)}`);
      expect(got.statusCode, article.id).toBe(200);
      expect(got.json().id).toBe(article.id);
      expect(got.json().title).toBe(article.title);
    }
  });
});

describe('rate limits', () => {
  let limited: FastifyInstance;
  beforeAll(async () => {
    limited = await buildApp({ ...config, rateLimitPerMinute: 3, authRateLimitPerMinute: 2 }, backends);
  });
  afterAll(() => limited.close());

  it('answers 429 with Retry-After past the budget, per user and per IP', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await limited.inject({ url: '/api/v1/articles/trending', remoteAddress: '10.0.0.1' })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await limited.inject({ url: '/api/v1/articles/trending', remoteAddress: '10.0.0.1' });
    expect(refused.headers['retry-after']).toBeDefined();
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.json()).toMatchObject({ status: 429 });
    // Another address has its own budget.
    expect((await limited.inject({ url: '/api/v1/articles/trending', remoteAddress: '10.0.0.2' })).statusCode).toBe(200);
    // Sign-in attempts have a tighter per-IP budget (guessing passwords).
    const attempts: number[] = [];
    for (let i = 0; i < 3; i++) {
      attempts.push((await limited.inject({ method: 'POST', url: '/api/v1/auth/sign-in', remoteAddress: '10.0.0.3', ...json({ email: 'x@example.com', password: 'guess' }) })).statusCode);
    }
    expect(attempts).toEqual([401, 401, 429]);
  });
});

describe('browsers', () => {
  it('answers CORS only for the allowed origins, with credentials, and sends security headers', async () => {
    const withCors = await buildApp({ ...config, corsOrigins: ['https://news.example'] }, backends);
    try {
      const preflight = (origin: string) =>
        withCors.inject({ method: 'OPTIONS', url: '/api/v1/feedback', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
      const allowed = await preflight('https://news.example');
      expect(allowed.statusCode).toBe(204);
      expect(allowed.headers['access-control-allow-origin']).toBe('https://news.example');
      expect(allowed.headers['access-control-allow-credentials']).toBe('true');
      const foreign = await preflight('https://evil.example');
      expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
      const page = await withCors.inject({ url: '/api/v1/articles/trending', headers: { origin: 'https://evil.example' } });
      expect(page.headers['access-control-allow-origin']).toBeUndefined();
      expect(page.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'strict-transport-security': expect.stringContaining('max-age='),
        'content-security-policy': expect.stringContaining("default-src 'self'"),
      });
    } finally {
      await withCors.close();
    }
  });
});

describe('a real socket', () => {
  it('serves over TCP', async () => {
    const served = await buildApp(config, backends);
    const address = await served.listen({ host: '127.0.0.1', port: 0 });
    try {
      const health = await fetch(`${address}/health`);
      expect(health.status).toBe(200);
      expect(health.headers.get('x-content-type-options')).toBe('nosniff');
      const trending = await fetch(`${address}/api/v1/articles/trending?n=2`);
      expect(((await trending.json()) as { items: unknown[] }).items).toHaveLength(2);
    } finally {
      await served.close();
    }
  });
});
