import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { MyContentError } from '@mycontent/core';

/** A host's ioredis client: a standalone/Sentinel `Redis` or a `Cluster`. */
export type RedisClient = Redis | Cluster;

/** Options shared by the Redis adapters. */
export interface RedisAdapterOptions {
  /** The host's ioredis client (`Redis` or `Cluster`). The adapter never closes it. */
  client: RedisClient;
  /**
   * Prepended to every key, so several deployments (or test runs) can share one Redis. Must not
   * contain `{` or `}` (the adapters put hash tags after it). @default 'mc:'
   */
  prefix?: string;
  /**
   * Longest wait for one operation, ms. A Redis that hangs or is unreachable then fails fast
   * instead of holding up the caller (the engine treats a failing cache as a miss).
   * When the client is not connected, operations fail at once without queueing.
   * @default 500
   */
  timeoutMs?: number;
}

/** A Lua script run by SHA (EVALSHA), loaded on first use or after a server restart (NOSCRIPT). */
export interface LuaScript {
  run(keys: string[], args: (string | number)[]): Promise<unknown>;
}

/** What the Redis adapters share: the client, the prefix, and guarded calls. */
export interface RedisContext {
  client: RedisClient;
  prefix: string;
  /** Runs one Redis call with the adapter's timeout (or `timeoutMs`) and error mapping. */
  call<T>(operation: string, fn: () => Promise<T>, timeoutMs?: number): Promise<T>;
  script(lua: string): LuaScript;
  /** Every key under the prefix, on every master (administration only: clear()). */
  scanPrefix(): Promise<string[]>;
}

const READY_LIKE = new Set(['ready', 'connect', 'wait', 'connecting']);

export function redisContext(options: RedisAdapterOptions, source: string): RedisContext {
  const { client } = options;
  if (!client || typeof (client as Redis).evalsha !== 'function') {
    throw new MyContentError('INVALID_CONFIG', '`client` must be an ioredis Redis or Cluster instance', { source, field: 'client' });
  }
  const prefix = options.prefix ?? 'mc:';
  if (/[{}]/.test(prefix)) {
    throw new MyContentError('INVALID_CONFIG', 'prefix must not contain "{" or "}" (hash tags follow it)', { source, field: 'prefix', value: prefix });
  }
  const defaultTimeoutMs = options.timeoutMs ?? 500;

  async function call<T>(operation: string, fn: () => Promise<T>, timeoutMs = defaultTimeoutMs): Promise<T> {
    if (!READY_LIKE.has(client.status)) {
      throw new MyContentError('BACKEND', `${operation} failed: Redis is not connected (client status "${client.status}")`, { source });
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        fn(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new MyContentError('BACKEND', `${operation} failed: no answer from Redis within ${timeoutMs} ms`, { source })),
            timeoutMs,
          );
        }),
      ]);
    } catch (error) {
      if (error instanceof MyContentError) throw error;
      throw new MyContentError('BACKEND', `${operation} failed: ${(error as Error).message}`, { source, cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  function script(lua: string): LuaScript {
    const sha = createHash('sha1').update(lua).digest('hex');
    return {
      async run(keys, args) {
        try {
          return await client.evalsha(sha, keys.length, ...keys, ...args);
        } catch (error) {
          if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
          return client.eval(lua, keys.length, ...keys, ...args);
        }
      },
    };
  }

  async function scanPrefix(): Promise<string[]> {
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    const nodes: Redis[] = 'isCluster' in client && client.isCluster ? (client as Cluster).nodes('master') : [client as Redis];
    const keys: string[] = [];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
    }
    return keys;
  }

  return { client, prefix, call, script, scanPrefix };
}

/** Deletes keys one by one (UNLINK, non-blocking), which works whatever their Cluster slots. */
export async function unlinkAll(client: RedisClient, keys: readonly string[]): Promise<void> {
  await Promise.all(keys.map((k) => client.unlink(k)));
}
