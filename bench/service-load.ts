/**
 * The REST service as the HTTP benchmarks drive it: started in its own process (process group)
 * from the workspace, and an open-loop load generator at a fixed rate that keeps every request's
 * send time, latency and status.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { createRecommender } from '@mycontent/core';
import { generateSyntheticNews, tableBatches, type SyntheticNews } from '@mycontent/core/data';
import { createPostgresStore } from '@mycontent/adapters/postgres';
import { createPopularityModel } from '@mycontent/algorithms';
import { stopProcessGroup } from './lib';

const root = fileURLToPath(new URL('..', import.meta.url));

/** An administrator the benchmarks sign in as. */
export const BENCH_ADMIN = { email: 'bench@example.com', password: 'bench password 1234' };

/** A running service. */
export interface Service {
  url: string;
  startMs: number;
  child: ChildProcess;
}

/** Starts the service (`npm start -w @mycontent/example-service`) with `env` on a free port; resolves once it serves. */
export async function startService(env: Record<string, string>): Promise<Service> {
  const started = Date.now();
  const child = spawn('npm', ['run', '--silent', 'start', '-w', '@mycontent/example-service'], {
    cwd: root,
    env: { ...process.env, PORT: '0', RATE_LIMIT_PER_MINUTE: '1000000', ADMIN_EMAIL: BENCH_ADMIN.email, ADMIN_PASSWORD: BENCH_ADMIN.password, LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"type":"started","url":"([^"]+)"/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the service exited with ${code}: ${output}`)));
  });
  return { url, startMs: Date.now() - started, child };
}

/** Stops the service and waits until it has closed its connections and exited. */
export const stopService = (service: Service) => stopProcessGroup(service.child);

/** An administrator's access token. */
export async function adminToken(url: string): Promise<string> {
  const response = await fetch(`${url}/api/v1/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(BENCH_ADMIN) });
  return ((await response.json()) as { access_token: string }).access_token;
}

/** One request of an open-loop load: when it was due (ms from the start), its latency, and whether it failed. */
export interface Sample {
  dueMs: number;
  latencyMs: number;
  failed: boolean;
}

/**
 * An open-loop load at a fixed rate: request n is due at n / rate seconds and sent then, on
 * keep-alive connections opened as needed, whatever the answers to earlier requests; its latency
 * counts from when it was due (no coordinated omission). `pathFor(n)` is the n-th request's path.
 */
export async function openLoop(url: string, token: string, perSecond: number, seconds: number, pathFor: (n: number) => string): Promise<{ samples: Sample[]; elapsedMs: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const total = perSecond * seconds;
  const samples: Sample[] = [];
  let sent = 0;
  let settled = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const settle = () => {
      if (++settled === total) resolve();
    };
    const send = (n: number) => {
      const due = started + (n / perSecond) * 1000;
      const request = http.get(`${url}${pathFor(n)}`, { agent, headers: { authorization: `Bearer ${token}` } }, (response) => {
        response.resume();
        response.once('end', () => {
          samples.push({ dueMs: due - started, latencyMs: performance.now() - due, failed: response.statusCode! < 200 || response.statusCode! >= 300 });
          settle();
        });
      });
      request.once('error', () => {
        samples.push({ dueMs: due - started, latencyMs: performance.now() - due, failed: true });
        settle();
      });
    };
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * perSecond));
      while (sent < due) send(sent++);
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  agent.destroy();
  return { samples, elapsedMs: performance.now() - started };
}

/** The demo news the embedded service seeds (scale `demo`, seed 42), and its most active readers, first. */
export function demoNewsAndReaders(readers: number): { news: SyntheticNews; users: string[] } {
  const news = generateSyntheticNews('demo', { seed: 42 });
  const clicksPerUser = new Map<number, number>();
  for (let i = 0; i < news.clicks.length; i++) clicksPerUser.set(news.clicks.user[i]!, (clicksPerUser.get(news.clicks.user[i]!) ?? 0) + 1);
  const users = [...clicksPerUser.entries()]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, readers)
    .map(([user]) => news.clicks.users[user]!);
  return { news, users };
}

/** Ingests the news (articles with their embeddings, then clicks) into a PostgreSQL schema, as the service would find it. */
export async function seedPostgres(pool: pg.Pool, schema: string, news: SyntheticNews): Promise<void> {
  const seeded = createRecommender({ store: createPostgresStore({ pool, schema }), models: { trending: createPopularityModel() } });
  const { dim, data } = news.embeddings;
  await seeded.ingestItems(news.items.map((item, i) => ({ ...item, embedding: data.subarray(i * dim, (i + 1) * dim) })));
  for (const batch of tableBatches(news.clicks, 20_000)) await seeded.ingestInteractions(batch);
}
