/**
 * Accounts and refresh tokens, in the same PostgreSQL (or PGlite) database as the SDK's tables.
 *
 * Passwords are hashed with scrypt (`node:crypto`, N = 2^15, r = 8, p = 1, a 16-byte salt per
 * account) and compared in constant time. Refresh tokens are opaque random strings; only their
 * SHA-256 is stored. Each sign-in starts a token *family*; every refresh marks the presented token
 * used and issues the next one of the family. A used token presented again means it was copied:
 * the whole family is revoked (the thief and the owner are both signed out).
 */
import { createHash, randomBytes, randomUUID, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, keylen: number, options: object) => Promise<Buffer>;
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/** What an account may do: a reader acts on their own data, an editor also publishes articles, an admin sees everything. */
export type Role = 'reader' | 'editor' | 'admin';
export const ROLES = ['reader', 'editor', 'admin'] as const;

/** An account as the API shows it. The account id is the user id the recommender knows. */
export interface Account {
  id: string;
  email: string;
  role: Role;
  createdAt: string;
}

/** Runs one SQL statement: a `pg` pool and a PGlite instance both fit. */
export type SqlQuery = (text: string, params?: unknown[]) => Promise<{ rows: any[] }>;

/** Why a refresh was refused. */
export type RefreshRefusal = 'unknown' | 'expired' | 'revoked' | 'reused';

/** The account store. */
export interface Accounts {
  migrate(): Promise<void>;
  /** Creates a reader; `undefined` when the email is taken. */
  create(email: string, password: string, role?: Role): Promise<Account | undefined>;
  /** Creates or resets an account with this role and password. */
  ensure(email: string, password: string, role: Role): Promise<Account>;
  /** The account whose email and password match. */
  verify(email: string, password: string): Promise<Account | undefined>;
  get(id: string): Promise<Account | undefined>;
  setRole(id: string, role: Role): Promise<Account | undefined>;
  /** Deletes the account and its tokens; true when it existed. */
  remove(id: string): Promise<boolean>;
  /** Starts a token family for a sign-in: the first refresh token. */
  issueRefresh(accountId: string, ttlMs: number): Promise<string>;
  /** Exchanges a refresh token for the next one of its family, or says why not. */
  rotateRefresh(token: string, ttlMs: number): Promise<{ accountId: string; token: string } | { refused: RefreshRefusal }>;
  /** Revokes the family of this token (sign-out). */
  revokeFamily(token: string): Promise<void>;
}

const normaliseEmail = (email: string) => email.trim().toLowerCase();
const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password.normalize('NFKC'), salt, 32, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await scrypt(password.normalize('NFKC'), Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return timingSafeEqual(actual, expected);
}

// A password hash to compare against when the email is unknown, so that a sign-in takes as long
// whether or not the account exists.
let decoyHash: Promise<string> | undefined;

const toAccount = (row: { id: string; email: string; role: Role; created_at: Date | string }): Account => ({
  id: row.id,
  email: row.email,
  role: row.role,
  createdAt: new Date(row.created_at).toISOString(),
});

/** Accounts in `schema` of the database reached through `query`. */
export function createAccounts(query: SqlQuery, schema: string): Accounts {
  const s = `"${schema}"`;
  const columns = 'id, email, role, created_at';
  return {
    async migrate() {
      await query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await query(`CREATE TABLE IF NOT EXISTS ${s}.service_accounts (
        id text PRIMARY KEY,
        email text NOT NULL UNIQUE,
        password_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('reader', 'editor', 'admin')),
        created_at timestamptz NOT NULL DEFAULT now())`);
      await query(`CREATE TABLE IF NOT EXISTS ${s}.service_refresh_tokens (
        token_hash text PRIMARY KEY,
        family text NOT NULL,
        account_id text NOT NULL REFERENCES ${s}.service_accounts (id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        revoked_at timestamptz)`);
      await query(`CREATE INDEX IF NOT EXISTS service_refresh_tokens_family ON ${s}.service_refresh_tokens (family)`);
    },
    async create(email, password, role = 'reader') {
      const { rows } = await query(
        `INSERT INTO ${s}.service_accounts (id, email, password_hash, role) VALUES ($1, $2, $3, $4)
         ON CONFLICT (email) DO NOTHING RETURNING ${columns}`,
        [`u-${randomUUID()}`, normaliseEmail(email), await hashPassword(password), role],
      );
      return rows[0] ? toAccount(rows[0]) : undefined;
    },
    async ensure(email, password, role) {
      const { rows } = await query(
        `INSERT INTO ${s}.service_accounts (id, email, password_hash, role) VALUES ($1, $2, $3, $4)
         ON CONFLICT (email) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role RETURNING ${columns}`,
        [`u-${randomUUID()}`, normaliseEmail(email), await hashPassword(password), role],
      );
      return toAccount(rows[0]);
    },
    async verify(email, password) {
      const { rows } = await query(`SELECT ${columns}, password_hash FROM ${s}.service_accounts WHERE email = $1`, [normaliseEmail(email)]);
      if (!rows[0]) {
        await passwordMatches(password, await (decoyHash ??= hashPassword('decoy password')));
        return undefined;
      }
      return (await passwordMatches(password, rows[0].password_hash)) ? toAccount(rows[0]) : undefined;
    },
    async get(id) {
      const { rows } = await query(`SELECT ${columns} FROM ${s}.service_accounts WHERE id = $1`, [id]);
      return rows[0] ? toAccount(rows[0]) : undefined;
    },
    async setRole(id, role) {
      const { rows } = await query(`UPDATE ${s}.service_accounts SET role = $2 WHERE id = $1 RETURNING ${columns}`, [id, role]);
      return rows[0] ? toAccount(rows[0]) : undefined;
    },
    async remove(id) {
      const { rows } = await query(`DELETE FROM ${s}.service_accounts WHERE id = $1 RETURNING id`, [id]);
      return rows.length > 0;
    },
    async issueRefresh(accountId, ttlMs) {
      const token = randomBytes(32).toString('base64url');
      await query(`INSERT INTO ${s}.service_refresh_tokens (token_hash, family, account_id, expires_at) VALUES ($1, $2, $3, $4)`, [
        sha256(token),
        randomUUID(),
        accountId,
        new Date(Date.now() + ttlMs),
      ]);
      return token;
    },
    async rotateRefresh(token, ttlMs) {
      // One statement marks the token used, so two concurrent refreshes cannot both succeed.
      const { rows } = await query(
        `UPDATE ${s}.service_refresh_tokens SET used_at = now()
         WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()
         RETURNING family, account_id`,
        [sha256(token)],
      );
      if (!rows[0]) {
        const { rows: found } = await query(
          `SELECT family, used_at, revoked_at, expires_at <= now() AS expired FROM ${s}.service_refresh_tokens WHERE token_hash = $1`,
          [sha256(token)],
        );
        const row = found[0];
        if (!row) return { refused: 'unknown' };
        if (row.revoked_at) return { refused: 'revoked' };
        if (row.used_at) {
          await query(`UPDATE ${s}.service_refresh_tokens SET revoked_at = now() WHERE family = $1 AND revoked_at IS NULL`, [row.family]);
          return { refused: 'reused' };
        }
        return { refused: 'expired' };
      }
      const next = randomBytes(32).toString('base64url');
      await query(`INSERT INTO ${s}.service_refresh_tokens (token_hash, family, account_id, expires_at) VALUES ($1, $2, $3, $4)`, [
        sha256(next),
        rows[0].family,
        rows[0].account_id,
        new Date(Date.now() + ttlMs),
      ]);
      return { accountId: rows[0].account_id, token: next };
    },
    async revokeFamily(token) {
      await query(
        `UPDATE ${s}.service_refresh_tokens SET revoked_at = now()
         WHERE revoked_at IS NULL AND family = (SELECT family FROM ${s}.service_refresh_tokens WHERE token_hash = $1)`,
        [sha256(token)],
      );
    },
  };
}
