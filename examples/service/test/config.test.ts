/** The service's settings: embedded defaults with nothing set, refusals naming the variable, no default secret in production. */
import { describe, expect, it } from 'vitest';
import { readConfig } from '../src/config';

describe('readConfig', () => {
  it('runs on embedded defaults with nothing set, with a key drawn at start', () => {
    const config = readConfig({});
    expect(config).toMatchObject({ production: false, host: '127.0.0.1', port: 3000, schema: 'mycontent', corsOrigins: [], demo: { scale: 'demo', seed: 42 } });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.jwtSecretGenerated).toBe(true);
    expect(config.jwtSecret).toHaveLength(32);
    expect(readConfig({}).jwtSecret).not.toEqual(config.jwtSecret);
  });

  it('refuses to start in production without a real key and a database', () => {
    expect(() => readConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET: required in production[\s\S]*DATABASE_URL: required in production/);
    expect(() => readConfig({ NODE_ENV: 'production', JWT_SECRET: 'short', DATABASE_URL: 'postgres://db/x' })).toThrow(/JWT_SECRET=\(hidden\): must be at least 32 characters/);
    expect(() => readConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN=\(hidden\): must be at least 32 characters/);
    const production = readConfig({ NODE_ENV: 'production', JWT_SECRET: 'k'.repeat(40), DATABASE_URL: 'postgres://db/x', CORS_ORIGINS: 'https://news.example, https://m.news.example' });
    expect(production.jwtSecretGenerated).toBe(false);
    expect(production.corsOrigins).toEqual(['https://news.example', 'https://m.news.example']);
  });

  it('names every wrong variable and its value', () => {
    let message = '';
    try {
      readConfig({ PORT: '70000', DEMO_SCALE: 'huge', DATABASE_SCHEMA: 'drop table', ADMIN_EMAIL: 'admin@example.com' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('PORT="70000"');
    expect(message).toContain('DEMO_SCALE="huge"');
    expect(message).toContain('DATABASE_SCHEMA="drop table"');
    expect(() => readConfig({ ADMIN_EMAIL: 'admin@example.com' })).toThrow(/ADMIN_EMAIL and ADMIN_PASSWORD: set both or neither/);
    expect(() => readConfig({ CONSUME_EVENTS: 'true' })).toThrow(/CONSUME_EVENTS=true: needs REDIS_URL, REDIS_CLUSTER_NODES or NATS_URL/);
    expect(() => readConfig({ REDIS_URL: 'redis://a:6379', REDIS_CLUSTER_NODES: 'a:7000' })).toThrow(/REDIS_URL and REDIS_CLUSTER_NODES: set one of them/);
    expect(() => readConfig({ REDIS_CLUSTER_NODES: 'a:7000;b' })).toThrow(/REDIS_CLUSTER_NODES="a:7000;b": must be host:port, comma-separated/);
    expect(readConfig({ REDIS_CLUSTER_NODES: 'a:7000,b:7001', NATS_URL: 'n1:4222,n2:4222', NATS_REPLICAS: '3', STREAM_PARTITIONS: '8' })).toMatchObject({
      redisClusterNodes: [{ host: 'a', port: 7000 }, { host: 'b', port: 7001 }],
      nats: { servers: ['n1:4222', 'n2:4222'], replicas: 3 },
      streamPartitions: 8,
    });
  });
});
