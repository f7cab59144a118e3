/**
 * Liveness, readiness and Prometheus metrics. `/health` answers while the process runs;
 * `/ready` checks the store and the cache (load balancers stop routing while it says 503);
 * `/metrics` (admins) exposes request latency by route and status, the engine's counters, and the
 * engine's OpenTelemetry metrics (recommend() latency, cold-start and fallback rates, diversity,
 * coverage, model age, cache results, exposures; stream lag when it consumes events).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { z } from 'zod';
import type { Recommender } from '@mycontent/core';
import { withRole } from '../../auth/guard';
import type { Telemetry } from '../../telemetry';

const backendHealth = z.object({ name: z.string(), status: z.enum(['up', 'down', 'unknown']), ms: z.number(), error: z.string().optional() });
const readiness = z.object({ ok: z.boolean(), store: backendHealth, cache: backendHealth });

/** The service's Prometheus registry, and the hook that times every request. */
export interface ServiceMetrics {
  registry: Registry;
  observe(request: FastifyRequest, reply: FastifyReply): void;
}

export function createServiceMetrics(recommender: Recommender): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'mycontent_service_' });
  const duration = new Histogram({
    name: 'mycontent_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const errors = new Counter({ name: 'mycontent_http_errors_total', help: 'Responses with status 5xx', labelNames: ['route'], registers: [registry] });
  new Gauge({
    name: 'mycontent_engine_total',
    help: "The engine's counters since start (recommendations, cold starts, cache hits and misses...)",
    labelNames: ['counter'],
    registers: [registry],
    collect() {
      const { models: _models, modelVersions: _versions, ...counters } = recommender.metrics();
      for (const [name, value] of Object.entries(counters)) this.set({ counter: name }, value);
    },
  });
  new Gauge({
    name: 'mycontent_model_version',
    help: 'The registry version each model serves in this instance (absent when the models were trained here): watch a rollout reach every instance',
    labelNames: ['model'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [model, version] of Object.entries(recommender.metrics().modelVersions ?? {})) this.set({ model }, version);
    },
  });
  return {
    registry,
    observe(request, reply) {
      const route = request.routeOptions.url ?? 'unmatched';
      duration.observe({ method: request.method, route, status: reply.statusCode }, reply.elapsedTime / 1000);
      if (reply.statusCode >= 500) errors.inc({ route });
    },
  };
}

export const operationRoutes: FastifyPluginAsyncZod<{ recommender: Recommender; metrics: ServiceMetrics; telemetry: Telemetry }> = async (app, { recommender, metrics, telemetry }) => {
  app.get('/health', {
    schema: { tags: ['operations'], summary: 'Liveness: the process answers', response: { 200: z.object({ status: z.literal('ok') }) } },
    config: { rateLimit: false },
    handler: async () => ({ status: 'ok' as const }),
  });

  app.get('/ready', {
    schema: { tags: ['operations'], summary: 'Readiness: the store and the cache answer', response: { 200: readiness, 503: readiness } },
    config: { rateLimit: false },
    handler: async (_request, reply) => {
      const report = await recommender.health();
      return reply.code(report.ok ? 200 : 503).send(report);
    },
  });

  app.get('/metrics', {
    schema: { tags: ['operations'], summary: 'Prometheus metrics, text format (admins, or the scraper with METRICS_TOKEN)', security: [{ bearer: [] }] },
    handler: async (request, reply) => {
      if (!request.scraper) withRole(request, 'admin');
      const [own, engine] = await Promise.all([metrics.registry.metrics(), telemetry.text()]);
      return reply.type(metrics.registry.contentType).serializer((text: string) => text).send(`${own}\n${engine}`);
    },
  });
};
