/**
 * The HTTP application: protection first (security headers, CORS, body limit, who is calling,
 * rate limits), then the versioned API under `/api/v1`, its OpenAPI document at
 * `/docs/json` and an interactive UI at `/docs`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fastifyStatic from '@fastify/static';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { authentication } from './auth/guard';
import { createAccessTokens } from './auth/tokens';
import type { Backends } from './backends';
import type { ServiceConfig } from './config';
import { HttpProblem, useProblemDetails } from './http/problem';
import { articleRoutes } from './http/routes/articles';
import { experimentRoutes } from './http/routes/experiments';
import { authRoutes } from './http/routes/auth';
import { createServiceMetrics, operationRoutes } from './http/routes/operations';
import { readerRoutes } from './http/routes/readers';

/** Builds the service on open backends; `listen()` is the caller's. */
export async function buildApp(config: ServiceConfig, backends: Backends, logger: FastifyServerOptions['logger'] = false): Promise<FastifyInstance> {
  const { recommender, accounts, events } = backends;
  const app = Fastify({ logger, bodyLimit: config.bodyLimit, trustProxy: config.production, forceCloseConnections: 'idle' }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.removeContentTypeParser('text/plain'); // JSON only: anything else is 415
  useProblemDetails(app);

  await app.register(helmet, {
    contentSecurityPolicy: { directives: { 'script-src': ["'self'"], 'style-src': ["'self'", "'unsafe-inline'"], 'img-src': ["'self'", 'data:'] } },
  });
  await app.register(cors, { origin: config.corsOrigins.length > 0 ? config.corsOrigins : false, credentials: true });
  await app.register(cookie);
  const tokens = createAccessTokens(config.jwtSecret);
  await app.register(authentication, { tokens, metricsToken: config.metricsToken });
  await app.register(rateLimit, {
    global: true,
    max: config.rateLimitPerMinute,
    timeWindow: 60_000,
    hook: 'preHandler', // after authentication: a signed-in user has their own budget wherever they connect from
    keyGenerator: (request) => (request.principal ? `user:${request.principal.id}` : `ip:${request.ip}`),
    // A shared budget in Redis; while Redis cannot answer (a master failing over), requests pass.
    ...(backends.redis ? { redis: backends.redis as never, nameSpace: `${config.redisPrefix}rate-limit:`, skipOnError: true } : {}),
    errorResponseBuilder: (_request, context) => {
      const problem = new HttpProblem(429, 'Too Many Requests', `at most ${context.max} requests per minute; try again in ${context.after}`);
      return Object.assign(problem, { statusCode: 429 });
    },
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'My Content API', version: '1.0.0', description: 'News recommendations: readers, articles, accounts and operations.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  const metrics = createServiceMetrics(recommender);
  app.addHook('onResponse', async (request, reply) => metrics.observe(request, reply));

  await app.register(
    async (api) => {
      await api.register(authRoutes, { accounts, tokens, authRateLimit: config.authRateLimitPerMinute });
      await api.register(readerRoutes, { recommender, accounts, events, items: backends.items });
      await api.register(articleRoutes, { recommender, items: backends.items });
      await api.register(experimentRoutes, { recommender, experiments: backends.experiments });
    },
    { prefix: '/api/v1' },
  );
  await app.register(operationRoutes, { recommender, metrics, telemetry: backends.telemetry });
  // The reader's web app (examples/web-feed), when it is built.
  const webApp = config.webAppDir ?? fileURLToPath(new URL('../../web-feed/dist/', import.meta.url));
  if (existsSync(webApp)) {
    await app.register(fastifyStatic, { root: webApp, prefix: '/app/', index: 'index.html' });
    app.get('/app', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/app/'));
  }
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect(existsSync(webApp) ? '/app/' : '/docs'));
  return app;
}
