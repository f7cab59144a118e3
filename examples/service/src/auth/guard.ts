/**
 * Who is calling, and what they may do. The access token comes from the `Authorization: Bearer`
 * header or the `access_token` cookie. A reader acts only on their own user id; an editor also
 * publishes articles; an admin may act on any user and sees accounts and metrics.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem } from '../http/problem';
import type { Role } from './accounts';
import type { AccessTokens, Principal } from './tokens';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller, when the request carries a valid access token. */
    principal?: Principal;
    /** True when the request carries the metrics scraper's token (`METRICS_TOKEN`), valid on `/metrics` only. */
    scraper: boolean;
  }
}

export const ACCESS_COOKIE = 'access_token';
export const REFRESH_COOKIE = 'refresh_token';

/** Whether `token` is `expected`, in constant time (both hashed first, so lengths do not leak either). */
function sameSecret(token: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(token), digest(expected));
}

/**
 * Reads the caller's token on every request (before rate limiting, which counts per user). With
 * `metricsToken`, that static token is also accepted on `/metrics`, for Prometheus.
 */
export const authentication = fp<{ tokens: AccessTokens; metricsToken?: string | undefined }>(async (app: FastifyInstance, { tokens, metricsToken }) => {
  app.decorateRequest('principal', undefined);
  app.decorateRequest('scraper', false);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : request.cookies[ACCESS_COOKIE];
    if (metricsToken && token && request.url.split('?')[0] === '/metrics' && sameSecret(token, metricsToken)) {
      request.scraper = true;
      return;
    }
    if (token) request.principal = await tokens.verify(token);
    // A present but invalid bearer token is refused outright rather than treated as anonymous.
    if (header && !request.principal) throw new HttpProblem(401, 'Unauthorized', 'the access token is invalid or expired', undefined, { 'www-authenticate': 'Bearer error="invalid_token"' });
  });
});

/** The caller, or 401. */
export function signedIn(request: FastifyRequest): Principal {
  if (!request.principal) throw new HttpProblem(401, 'Unauthorized', 'sign in first: send an access token', undefined, { 'www-authenticate': 'Bearer' });
  return request.principal;
}

/** The caller when they hold one of `roles`, else 403. */
export function withRole(request: FastifyRequest, ...roles: Role[]): Principal {
  const principal = signedIn(request);
  if (!roles.includes(principal.role)) throw new HttpProblem(403, 'Forbidden', `this needs the role ${roles.join(' or ')}`);
  return principal;
}

/** The caller when they may act on `userId`: the user themselves, or an admin. Else 403. */
export function actingFor(request: FastifyRequest, userId: string): Principal {
  const principal = signedIn(request);
  if (principal.id !== userId && principal.role !== 'admin') {
    throw new HttpProblem(403, 'Forbidden', "a reader acts on their own data only: user_id must be the caller's account id", [
      { field: 'user_id', value: userId, message: 'not the signed-in user' },
    ]);
  }
  return principal;
}
