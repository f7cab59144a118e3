import { execFileSync, type ChildProcess } from 'node:child_process';
import type { Redis } from 'ioredis';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

/** Where generated benchmark datasets are cached between runs (git-ignored). */
export const DATA_DIR = fileURLToPath(new URL('./.data/', import.meta.url));

/** Percentile of sorted numbers. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Heap + array buffers in MB, after a GC. */
export function memoryMb(): { heap: number; arrayBuffers: number; rss: number } {
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed / 2 ** 20, arrayBuffers: m.arrayBuffers / 2 ** 20, rss: m.rss / 2 ** 20 };
}

/** Peak resident set size of this process so far, MB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/**
 * Runs a benchmark script (relative to bench/, or absolute) in a fresh Node process, from `cwd`
 * (where its packages resolve), and returns the JSON it prints last.
 */
export function runChild<T>(script: string, args: string[] = [], cwd?: string): T {
  const out = execFileSync(
    process.execPath,
    ['--conditions=@mycontent/source', '--import', 'tsx', '--expose-gc', '--max-old-space-size=12000', fileURLToPath(new URL(script, import.meta.url)), ...args],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26, ...(cwd ? { cwd } : {}) },
  );
  const lines = out.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}

/** Prints the result of a child benchmark for `runChild`. */
export function report(result: unknown): void {
  console.log(JSON.stringify(result));
}

export function machine(): string {
  const cpu = cpus();
  return `${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${process.platform}-${process.arch}`;
}

export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

export function fmt(n: number, digits = 1): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function gitRevision(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/**
 * Measures how long the event loop goes without running a 10 ms timer while `work` runs: the
 * longest stall a host service would see.
 */
export async function withEventLoopProbe<T>(work: () => Promise<T>): Promise<{ result: T; maxGapMs: number }> {
  let maxGapMs = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
  }, 10);
  try {
    const result = await work();
    return { result, maxGapMs: Math.max(maxGapMs, performance.now() - last) };
  } finally {
    clearInterval(timer);
  }
}

/**
 * Stops a child started with `detached: true` (its own process group) and everything it started:
 * `npm run` does not pass a signal on to the script it runs, so the signal goes to the group.
 * Resolves once every process holding the child's output has exited.
 */
export async function stopProcessGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if ((child.exitCode !== null || child.signalCode !== null) && (child.stdout?.readableEnded ?? true)) return; // already closed
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
  await closed;
}

/** Deletes every Redis key under `prefix` (benchmark clean-up; SCAN is fine off the hot path). */
export async function deleteRedisPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}
