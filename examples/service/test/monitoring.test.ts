/**
 * Monitoring: the alarm rules shipped with the service (examples/service/prometheus) name metrics
 * the service really exposes, and — with Prometheus's `promtool` on the machine — they are valid
 * and fire on the series they should (alerts.test.yml), not on healthy ones.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { FastifyInstance } from 'fastify';
import { createEventProcessor, createRecommender } from '@mycontent/core';
import { createMemoryEventBus, createMemoryStore } from '@mycontent/adapters/memory';
import { createPopularityModel } from '@mycontent/algorithms';
import { buildApp } from '../src/app';
import { openBackends, type Backends } from '../src/backends';
import { readConfig } from '../src/config';
import { createTelemetry } from '../src/telemetry';

const ADMIN = { email: 'admin@example.com', password: 'admin password 1234' };
const RULES_DIR = fileURLToPath(new URL('../prometheus/', import.meta.url));
let backends: Backends;
let app: FastifyInstance;

/** The metric names the rules read (not the recorded `mycontent:` series), without PromQL's suffixes. */
function metricsInRules(): string[] {
  const rules = parse(readFileSync(`${RULES_DIR}alerts.yml`, 'utf8')) as { groups: { rules: { expr: string }[] }[] };
  const names = new Set<string>();
  for (const group of rules.groups) for (const rule of group.rules) for (const match of rule.expr.matchAll(/\bmycontent_[a-z_]+/g)) names.add(match[0]);
  return [...names].sort();
}

beforeAll(async () => {
  const config = readConfig({ DEMO_SCALE: 'tiny', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, RATE_LIMIT_PER_MINUTE: '100000', AUTH_RATE_LIMIT_PER_MINUTE: '100000' });
  backends = await openBackends(config);
  app = await buildApp(config, backends);
});

afterAll(async () => {
  await app?.close();
  await backends?.close();
});

describe('the alarm rules', () => {
  it('read metrics the service exposes (and the stream worker, for the stream alarm)', async () => {
    const signIn = await app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: ADMIN });
    const token = signIn.json().access_token as string;
    const user = signIn.json().account.id as string;
    for (let i = 0; i < 3; i++) await app.inject({ url: `/api/v1/recommendations?user_id=${user}&n=5`, headers: { authorization: `Bearer ${token}` } });
    const service = (await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } })).body;

    // The stream alarm reads what an event processor records (the stream worker passes its meter).
    const telemetry = createTelemetry();
    const recommender = createRecommender({ store: createMemoryStore(), models: { popular: createPopularityModel() } });
    await recommender.ingestItems([{ id: 'a', createdAt: Date.UTC(2024, 0, 1) }]);
    const bus = createMemoryEventBus();
    const processor = createEventProcessor({ recommender, bus, meter: telemetry.meter, recompute: false });
    await processor.start();
    await bus.publish('interactions', { userId: 'u', itemId: 'a', type: 'click', timestamp: Date.UTC(2024, 0, 1) });
    while (processor.stats().processed < 1) await new Promise((r) => setTimeout(r, 10));
    await processor.stop();
    const worker = await telemetry.text();
    await telemetry.shutdown();

    // Every family the text declares (a labelled counter not incremented yet has no sample), with a histogram's series.
    const exposed = new Set<string>();
    for (const [, name, type] of `${service}\n${worker}`.matchAll(/^# TYPE (mycontent_[a-z_]+) (\w+)/gm)) {
      exposed.add(name!);
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exposed.add(`${name}${suffix}`);
    }
    const missing = metricsInRules().filter((name) => !exposed.has(name));
    expect(missing).toEqual([]);
    expect(metricsInRules()).toContain('mycontent_recommend_duration_bucket');
    expect(service).toMatch(/mycontent_recommend_lists_total\{phase="(cold-start|learning|personalized)"\} \d+/);
    expect(service).toMatch(/mycontent_model_age \d/);
  });

  const promtool = spawnSync('promtool', ['--version']).status === 0;
  if (!promtool) console.log('promtool not found (Debian: apt-get install prometheus): the rules are not checked by Prometheus here');
  it.skipIf(!promtool)('are valid Prometheus rules, and the alarms fire when they should (promtool test rules)', () => {
    execFileSync('promtool', ['check', 'rules', 'alerts.yml'], { cwd: RULES_DIR });
    const output = execFileSync('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: RULES_DIR, encoding: 'utf8' });
    expect(output).toContain('SUCCESS');
  });
});
