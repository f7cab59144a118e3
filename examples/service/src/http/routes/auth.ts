/**
 * Sign-up, sign-in, token refresh with rotation, sign-out, and account roles.
 *
 * Both tokens travel in HttpOnly, Secure, SameSite=Strict cookies (the access token is also in
 * the response body, for clients that send it as a bearer header). The refresh cookie is only
 * sent to `/api/v1/auth`.
 */
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Account, Accounts } from '../../auth/accounts';
import { ACCESS_COOKIE, REFRESH_COOKIE, signedIn, withRole } from '../../auth/guard';
import { ACCESS_TOKEN_TTL_S, REFRESH_TOKEN_TTL_MS, type AccessTokens } from '../../auth/tokens';
import { HttpProblem } from '../problem';
import { accountView } from '../views';
import { account as accountSchema, accountParams, problems, roleBody, session, signInBody, signUpBody } from '../schemas';

const REFRESH_PATH = '/api/v1/auth';

export const authRoutes: FastifyPluginAsyncZod<{ accounts: Accounts; tokens: AccessTokens; authRateLimit: number }> = async (app, { accounts, tokens, authRateLimit }) => {
  const perIp = { rateLimit: { max: authRateLimit, timeWindow: 60_000, keyGenerator: (request: { ip: string }) => `auth:${request.ip}` } };

  async function startSession(reply: FastifyReply, account: Account, refreshToken?: string) {
    const accessToken = await tokens.sign(account);
    const refresh = refreshToken ?? (await accounts.issueRefresh(account.id, REFRESH_TOKEN_TTL_MS));
    const cookie = { httpOnly: true, secure: true, sameSite: 'strict' as const };
    reply.setCookie(ACCESS_COOKIE, accessToken, { ...cookie, path: '/', maxAge: ACCESS_TOKEN_TTL_S });
    reply.setCookie(REFRESH_COOKIE, refresh, { ...cookie, path: REFRESH_PATH, maxAge: REFRESH_TOKEN_TTL_MS / 1000 });
    return { account: accountView(account), access_token: accessToken, token_type: 'Bearer' as const, expires_in: ACCESS_TOKEN_TTL_S };
  }

  function endSession(reply: FastifyReply) {
    reply.clearCookie(ACCESS_COOKIE, { path: '/' });
    reply.clearCookie(REFRESH_COOKIE, { path: REFRESH_PATH });
  }

  app.post('/auth/sign-up', {
    config: perIp,
    schema: { tags: ['auth'], summary: 'Create a reader account and sign in', body: signUpBody, response: { 201: session, ...problems(400, 409, 429) } },
    handler: async (request, reply) => {
      const account = await accounts.create(request.body.email, request.body.password);
      if (!account) throw new HttpProblem(409, 'Conflict', 'an account with this email exists', [{ field: 'email', value: request.body.email, message: 'taken' }]);
      return reply.code(201).send(await startSession(reply, account));
    },
  });

  app.post('/auth/sign-in', {
    config: perIp,
    schema: { tags: ['auth'], summary: 'Sign in with email and password', body: signInBody, response: { 200: session, ...problems(400, 401, 429) } },
    handler: async (request, reply) => {
      const account = await accounts.verify(request.body.email, request.body.password);
      if (!account) throw new HttpProblem(401, 'Unauthorized', 'wrong email or password');
      return startSession(reply, account);
    },
  });

  app.post('/auth/refresh', {
    config: perIp,
    schema: {
      tags: ['auth'],
      summary: 'Exchange the refresh cookie for new tokens (the old refresh token stops working; presenting it again signs out every device of that sign-in)',
      response: { 200: session, ...problems(401, 429) },
    },
    handler: async (request, reply) => {
      const presented = request.cookies[REFRESH_COOKIE];
      if (!presented) throw new HttpProblem(401, 'Unauthorized', 'no refresh token cookie');
      const rotated = await accounts.rotateRefresh(presented, REFRESH_TOKEN_TTL_MS);
      if ('refused' in rotated) {
        endSession(reply);
        const why = { unknown: 'unknown refresh token', expired: 'the refresh token expired', revoked: 'the refresh token was revoked', reused: 'the refresh token was already used: every token of this sign-in is revoked' };
        throw new HttpProblem(401, 'Unauthorized', why[rotated.refused]);
      }
      const account = await accounts.get(rotated.accountId);
      if (!account) throw new HttpProblem(401, 'Unauthorized', 'the account no longer exists');
      return startSession(reply, account, rotated.token);
    },
  });

  app.post('/auth/sign-out', {
    schema: { tags: ['auth'], summary: 'Revoke this sign-in and clear the cookies', response: { 204: z.null() } },
    handler: async (request, reply) => {
      const presented = request.cookies[REFRESH_COOKIE];
      if (presented) await accounts.revokeFamily(presented);
      endSession(reply);
      return reply.code(204).send(null);
    },
  });

  app.get('/auth/me', {
    schema: { tags: ['auth'], summary: 'The signed-in account', security: [{ bearer: [] }], response: { 200: accountSchema, ...problems(401, 404) } },
    handler: async (request) => {
      const account = await accounts.get(signedIn(request).id);
      if (!account) throw new HttpProblem(404, 'Not Found', 'the account no longer exists');
      return accountView(account);
    },
  });

  app.patch('/accounts/:id', {
    schema: { tags: ['auth'], summary: "Change an account's role (admin)", security: [{ bearer: [] }], params: accountParams, body: roleBody, response: { 200: accountSchema, ...problems(400, 401, 403, 404) } },
    handler: async (request) => {
      withRole(request, 'admin');
      const account = await accounts.setRole(request.params.id, request.body.role);
      if (!account) throw new HttpProblem(404, 'Not Found', `no account ${JSON.stringify(request.params.id)}`);
      return accountView(account);
    },
  });
};
