/**
 * Access tokens: JWTs signed with HMAC-SHA256 (`jose`), valid one hour. Verification accepts
 * HS256 only — an `alg: none` or otherwise re-signed token is refused — and checks issuer,
 * audience and expiry.
 */
import { SignJWT, jwtVerify } from 'jose';
import { ROLES, type Account, type Role } from './accounts';

export const ACCESS_TOKEN_TTL_S = 3_600;
export const REFRESH_TOKEN_TTL_MS = 30 * 86_400_000;
const ISSUER = 'mycontent-service';
const AUDIENCE = 'mycontent-api';

/** Who a verified access token speaks for. */
export interface Principal {
  id: string;
  role: Role;
}

/** Signs and verifies access tokens with one key. */
export interface AccessTokens {
  sign(account: Pick<Account, 'id' | 'role'>): Promise<string>;
  /** The principal of a valid token, or `undefined` (expired, tampered, wrong algorithm...). */
  verify(token: string): Promise<Principal | undefined>;
}

export function createAccessTokens(secret: Uint8Array): AccessTokens {
  return {
    sign: (account) =>
      new SignJWT({ role: account.role })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(account.id)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${ACCESS_TOKEN_TTL_S}s`)
        .sign(secret),
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, secret, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE });
        const role = payload.role as Role;
        if (!payload.sub || !ROLES.includes(role)) return undefined;
        return { id: payload.sub, role };
      } catch {
        return undefined;
      }
    },
  };
}
