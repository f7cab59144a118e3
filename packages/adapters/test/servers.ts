/**
 * Real servers for the adapter tests. Settings come from the environment with loopback
 * defaults; every run gets its own PostgreSQL schema / Redis key prefix / NATS stream prefix and
 * removes it at the end.
 * Locally a missing server skips the suites with the reason in their title; with `CI=true` it
 * fails the run.
 */
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Redis, type Cluster } from 'ioredis';
import { connect as connectNats } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';

/** Whether this is a CI run: any value of `CI` but empty, `0` and `false` (CI services set `true`, `1` or their name). */
export const CI = (process.env.CI ?? '') !== '' && !['0', 'false'].includes(process.env.CI!.toLowerCase());

export const POSTGRES_URL =
  process.env.MYCONTENT_TEST_POSTGRES_URL ??
  `postgres://${process.env.PGUSER ?? 'postgres'}@${process.env.PGHOST ?? '127.0.0.1'}:${process.env.PGPORT ?? '5432'}/${process.env.PGDATABASE ?? 'test'}`;
export const REDIS_URL = process.env.MYCONTENT_TEST_REDIS_URL ?? `redis://${process.env.REDIS_HOST ?? '127.0.0.1'}:${process.env.REDIS_PORT ?? '6379'}`;

/** A unique, valid schema name / key prefix for this run. */
export const NATS_URL = process.env.MYCONTENT_TEST_NATS_URL ?? `${process.env.NATS_HOST ?? '127.0.0.1'}:${process.env.NATS_PORT ?? '4222'}`;
export const runId = (label: string) => `mc_test_${label}_${process.pid}_${randomBytes(3).toString('hex')}`;

function unavailable(server: string, url: string, error: unknown): { skip: string } {
  const reason = `${server} not reachable at ${url} (${(error as Error).message || String(error)})`;
  if (CI) throw new Error(`CI=true requires ${reason}`);
  console.warn(`[adapters tests] skipping the ${server} suites: ${reason}`);
  return { skip: reason };
}

export type PostgresFixture = { pool: pg.Pool; schema: string; skip?: undefined; drop(): Promise<void> } | { skip: string; pool?: undefined; schema?: undefined };

/** A pool on the test database and a fresh schema name (dropped by `drop()`, with the `<schema>_<n>` schemas derived from it). */
export async function postgresFixture(label: string): Promise<PostgresFixture> {
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 8, connectionTimeoutMillis: 3_000 });
  pool.on('error', () => {}); // idle clients dropped by the server: the next query reconnects
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => {});
    return unavailable('PostgreSQL', POSTGRES_URL, error);
  }
  const schema = runId(label);
  return {
    pool,
    schema,
    async drop() {
      // The schema and every schema a test derived from its name (`<schema>_<n>`).
      const { rows } = await pool.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname = $1 OR starts_with(nspname, $1 || '_')`, [schema]);
      for (const { nspname } of rows) await pool.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
      await pool.end();
    },
  };
}

export type RedisFixture = { client: Redis; prefix: string; skip?: undefined; drop(): Promise<void> } | { skip: string; client?: undefined; prefix?: undefined };

/** A client on the test Redis and a fresh key prefix (its keys removed by `drop()`). */
export async function redisFixture(label: string): Promise<RedisFixture> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3_000, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    return unavailable('Redis', REDIS_URL, error);
  }
  const prefix = `${runId(label)}:`;
  return {
    client,
    prefix,
    async drop() {
      await deleteByPrefix(client, prefix);
      await client.quit();
    },
  };
}

/** Every key under `prefix` (tests only: SCAN is fine here, never on a hot path). */
export async function keysWithPrefix(client: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

export async function deleteByPrefix(client: Redis, prefix: string): Promise<void> {
  const keys = await keysWithPrefix(client, prefix);
  for (let i = 0; i < keys.length; i += 500) await client.del(...keys.slice(i, i + 500));
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A throwaway `redis-server` (no persistence) on `port`, for fault and Cluster tests. */
export async function startRedisServer(port: number, extra: string[] = [], cwd?: string): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra], {
    stdio: 'ignore',
    ...(cwd ? { cwd } : {}),
  });
  const deadline = Date.now() + 5_000;
  for (;;) {
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    probe.on('error', () => {});
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      return child;
    } catch {
      probe.disconnect();
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Whether `binary` can be run here (the fault and Cluster tests need `redis-server`, `redis-cli`). */
export function hasBinary(binary: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(binary, ['--version'], { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

/**
 * A throwaway three-master Redis Cluster on free ports (no replicas, no persistence), built
 * with `redis-cli --cluster create`. `stop()` kills the nodes and removes their files.
 */
/**
 * A Redis Cluster of three masters (each with `replicas` replicas) started for the test on free
 * loopback ports, nodes failing over after one second without their master; `kill(port)` stops
 * one node.
 */
export async function startRedisCluster(options: { replicas?: number } = {}): Promise<{ ports: number[]; kill(port: number): Promise<void>; stop(): Promise<void> }> {
  const replicas = options.replicas ?? 0;
  const dir = await mkdtemp(join(tmpdir(), 'mycontent-cluster-'));
  const ports: number[] = [];
  for (let i = 0; i < 3 * (1 + replicas); i++) ports.push(await freePort());
  const children = new Map<number, ChildProcess>();
  const kill = async (port: number) => {
    const child = children.get(port);
    children.delete(port);
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  const stop = async () => {
    await Promise.all([...children.keys()].map(kill));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      // One RDB file per node in the shared directory, and replicas synced at once (not after
      // the default 5 s wait for more replicas): a replica that never synced cannot take over.
      children.set(
        port,
        await startRedisServer(port, ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '1000', '--dbfilename', `dump-${port}.rdb`, '--repl-diskless-sync-delay', '0'], dir),
      );
    }
    await new Promise<void>((resolve, reject) => {
      const create = spawn('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', String(replicas), '--cluster-yes'], { stdio: 'ignore' });
      create.once('error', reject);
      create.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redis-cli --cluster create exited with ${code}`))));
    });
    // Wait until every node reports the cluster as ok.
    const deadline = Date.now() + 15_000;
    for (const port of ports) {
      const probe = new Redis({ port, host: '127.0.0.1', retryStrategy: () => null });
      probe.on('error', () => {});
      while (!/cluster_state:ok/.test(await probe.cluster('INFO'))) {
        if (Date.now() > deadline) throw new Error('the test cluster never reached cluster_state:ok');
        await new Promise((r) => setTimeout(r, 50));
      }
      // …and every replica in sync with its master.
      for (;;) {
        const replication = await probe.info('replication');
        if (!/role:slave/.test(replication) || /master_link_status:up/.test(replication)) break;
        if (Date.now() > deadline) throw new Error(`the replica on port ${port} never synced with its master`);
        await new Promise((r) => setTimeout(r, 50));
      }
      probe.disconnect();
    }
    return { ports, kill, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export function redisCrashedConsumer(client: Redis | Cluster, prefix = 'mc:') {
  return async (topic: string, group: string, count: number, consumer = 'crashed-consumer'): Promise<void> => {
    const key = `${prefix}{s:${topic}}`;
    await client.xgroup('CREATE', key, group, '0', 'MKSTREAM').catch((error: Error) => {
      if (!error.message.includes('BUSYGROUP')) throw error;
    });
    await client.xreadgroup('GROUP', group, consumer, 'COUNT', count, 'STREAMS', key, '>');
  };
}

/** A throwaway PostgreSQL server: its port, and how to kill and restart it (same data directory). */
export interface ThrowawayPostgres {
  port: number;
  url: string;
  /** Kills the server at once (`SIGKILL`, as a crash or a lost host would). */
  kill(): Promise<void>;
  /** Starts it again on the same port and data (after crash recovery), resolving once it accepts connections. */
  restart(): Promise<void>;
  /** Kills it and removes its files. */
  stop(): Promise<void>;
}

const POSTGRES_BIN = ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin', '/usr/local/bin', '/usr/bin'];

/** The directory holding `initdb` and `postgres`, or `undefined`. */
export async function postgresBinaries(): Promise<string | undefined> {
  const { access } = await import('node:fs/promises');
  for (const dir of POSTGRES_BIN) {
    try {
      await access(join(dir, 'initdb'));
      await access(join(dir, 'postgres'));
      return dir;
    } catch {
      // next
    }
  }
  return undefined;
}

/**
 * A throwaway PostgreSQL (`initdb` + `postgres`, no fsync) on a free loopback port, for fault
 * tests that kill it. Run as root, it runs as the `postgres` system user (PostgreSQL refuses root).
 * With `replicaOf` (the port of such a server), it is a streaming replica of that server instead,
 * made by `pg_basebackup` (read-only, following the primary's writes).
 */
export async function startPostgresServer(options: { replicaOf?: number } = {}): Promise<ThrowawayPostgres> {
  const { execFileSync } = await import('node:child_process');
  const { chown } = await import('node:fs/promises');
  const bin = await postgresBinaries();
  if (!bin) throw new Error('no initdb/postgres binaries found');
  const dir = await mkdtemp(join(tmpdir(), 'mycontent-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) } : {};
  if (asRoot) await chown(dir, user.uid!, user.gid!);
  if (options.replicaOf === undefined) execFileSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], { stdio: 'ignore', ...user });
  else {
    // A copy of the primary's data with `standby.signal` and its connection (-R), WAL streamed meanwhile.
    execFileSync(join(bin, 'pg_basebackup'), ['-h', '127.0.0.1', '-p', String(options.replicaOf), '-U', 'postgres', '-D', data, '-R', '-X', 'stream', '-c', 'fast', '--no-sync'], {
      stdio: 'ignore',
      ...user,
    });
  }
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const deadline = Date.now() + 30_000;
    const spawnServer = () =>
      spawn(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'full_page_writes=off'], {
        stdio: 'ignore',
        ...user,
      });
    child = spawnServer();
    for (;;) {
      const probe = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 1_000 });
      probe.on('error', () => {});
      try {
        await probe.connect();
        await probe.query('SELECT 1');
        await probe.end();
        return;
      } catch {
        await probe.end().catch(() => {});
        if (Date.now() > deadline) throw new Error(`postgres did not start on port ${port}`);
        // Right after a SIGKILL, the old backends may still hold the data directory: start again.
        if (child.exitCode !== null) child = spawnServer();
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const kill = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return; // gone already
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    kill,
    restart: start,
    async stop() {
      await kill();
      // Children of a SIGKILLed postmaster exit on their own; their shared memory goes with them.
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type NatsFixture = { connection: NatsConnection; prefix: string; skip?: undefined; drop(): Promise<void> } | { skip: string; connection?: undefined; prefix?: undefined };

/** A connection to the NATS server (JetStream on) and a fresh prefix; `drop()` deletes the streams under it. */
export async function natsFixture(label: string): Promise<NatsFixture> {
  let connection: NatsConnection;
  try {
    connection = await connectNats({ servers: NATS_URL, timeout: 3_000, maxReconnectAttempts: 5 });
    await (await jetstreamManager(connection)).getAccountInfo();
  } catch (error) {
    return unavailable('NATS JetStream', NATS_URL, error);
  }
  const prefix = runId(label).replace(/[^A-Za-z0-9_-]/g, '_');
  return {
    connection,
    prefix,
    async drop() {
      const manager = await jetstreamManager(connection);
      for await (const name of manager.streams.names()) if (name.startsWith(`${prefix}_`)) await manager.streams.delete(name);
      await connection.close();
    },
  };
}

/** A consumer of `group` that takes `count` messages of the topic and dies without acknowledging them. */
export function natsCrashedConsumer(connection: NatsConnection, prefix: string, ackWaitMs: number) {
  return async (topic: string, group: string, count: number) => {
    const stream = `${prefix}_${topic}`;
    const manager = await jetstreamManager(connection);
    await manager.consumers.add(stream, { durable_name: group, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, ack_wait: ackWaitMs * 1_000_000, max_deliver: -1 });
    const consumer = await jetstream(connection).consumers.get(stream, group);
    let taken = 0;
    while (taken < count) {
      for await (const _ of await consumer.fetch({ max_messages: count - taken, expires: 1_000 })) taken++;
    }
  };
}

/** A three-node NATS cluster with JetStream, started for the test on free loopback ports; `kill(i)` stops node i. */
export async function startNatsCluster(): Promise<{ urls: string[]; kill(i: number): Promise<void>; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'mycontent-nats-'));
  const clientPorts = [await freePort(), await freePort(), await freePort()];
  const routePorts = [await freePort(), await freePort(), await freePort()];
  const nodes: (ChildProcess | undefined)[] = clientPorts.map((port, i) =>
    spawn(
      'nats-server',
      ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(dir, `n${i}`), '--server_name', `n${i}`, '--cluster_name', 'mycontent-test',
        '--cluster', `nats://127.0.0.1:${routePorts[i]}`, '--routes', routePorts.filter((_, j) => j !== i).map((p) => `nats://127.0.0.1:${p}`).join(',')],
      { stdio: 'ignore' },
    ),
  );
  const urls = clientPorts.map((port) => `127.0.0.1:${port}`);
  const stopNode = async (i: number) => {
    const node = nodes[i];
    nodes[i] = undefined;
    if (!node || node.exitCode !== null) return;
    const exited = new Promise((resolve) => node.once('exit', resolve));
    node.kill('SIGKILL');
    await exited;
  };
  // Ready when JetStream answers through the cluster (its meta leader is elected).
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const connection = await connectNats({ servers: urls, timeout: 1_000, maxReconnectAttempts: 0 });
      try {
        await (await jetstreamManager(connection)).getAccountInfo();
        break;
      } finally {
        await connection.close();
      }
    } catch (error) {
      if (Date.now() > deadline) {
        await Promise.all(nodes.map((_, i) => stopNode(i)));
        throw new Error(`the NATS cluster did not elect a JetStream leader: ${(error as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    urls,
    kill: stopNode,
    async stop() {
      await Promise.all(nodes.map((_, i) => stopNode(i)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
