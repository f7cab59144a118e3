import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { MyContentError } from '../errors/error';

/**
 * A numeric kernel: a self-contained function (no imports, no closure over outer variables) that
 * runs in a worker thread. It receives a task (structured-cloneable; `SharedArrayBuffer`s are
 * shared, not copied) and a `report` callback for progress, and returns a cloneable result.
 */
export type Kernel<Task, Result, Library = undefined> = (task: Task, report: (progress: unknown) => void, library: Library) => Result;

/** A pool of worker threads running one kernel. */
export interface KernelPool<Task, Result> {
  /** Number of workers. */
  readonly size: number;
  /** Runs one task on the next free worker. */
  run(task: Task, onProgress?: (progress: unknown) => void): Promise<Result>;
  /** Runs tasks on all workers; results in task order. */
  map(tasks: readonly Task[]): Promise<Result[]>;
  /** Terminates the workers. */
  close(): Promise<void>;
}

/** Options of {@link createKernelPool}. */
export interface KernelPoolOptions {
  /** Worker threads. @default os.availableParallelism() */
  workers?: number;
  /** Name used in error messages. */
  name?: string;
}

/** Options of {@link createKernelPool} for a kernel that calls a library of helper functions. */
export interface KernelLibraryOptions<Library> extends KernelPoolOptions {
  /**
   * A self-contained factory (no imports, no closure over outer variables) returning the helpers
   * the kernel calls — e.g. the layers of a neural network. Each worker calls it once and passes
   * its value to every task as the kernel's third argument; tests can call it directly. A pair
   * `[base, extend]` of self-contained functions passes `extend(base())`: a library built on
   * another one (a network made of layers).
   */
  library: (() => Library) | readonly [base: () => any, extend: (base: any) => Library];
}

function librarySource(library: KernelLibraryOptions<unknown>['library'] | undefined): string {
  if (library === undefined) return 'undefined';
  if (typeof library === 'function') return `(${library.toString()})()`;
  return `(${library[1].toString()})((${library[0].toString()})())`;
}

function workerSource(kernel: string, library: string): string {
  // Transpilers with keepNames (esbuild under tsx, vitest) wrap inner functions in __name().
  return `
const { parentPort } = require('node:worker_threads');
const __name = (target, value) => Object.defineProperty(target, 'name', { value, configurable: true });
const kernel = (${kernel});
const library = ${library};
parentPort.on('message', (message) => {
  try {
    const result = kernel(message.task, (progress) => parentPort.postMessage({ id: message.id, progress }), library);
    parentPort.postMessage({ id: message.id, result });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: error && error.stack ? error.stack : String(error) });
  }
});`;
}

/**
 * Starts worker threads that run `kernel`. The kernel is sent as source text, so it works the
 * same from TypeScript sources (tsx, vitest) and from the built ESM/CJS packages, with no worker
 * file to resolve. Long numeric loops run there, so the host's event loop keeps answering.
 *
 * @example
 * ```ts
 * const pool = createKernelPool((task: { data: SharedArrayBuffer; from: number; to: number }) => {
 *   const a = new Float32Array(task.data);
 *   let sum = 0;
 *   for (let i = task.from; i < task.to; i++) sum += a[i];
 *   return sum;
 * });
 * const parts = await pool.map([{ data, from: 0, to: 500 }, { data, from: 500, to: 1000 }]);
 * await pool.close();
 * ```
 */
export function createKernelPool<Task, Result>(kernel: Kernel<Task, Result>, options?: KernelPoolOptions): KernelPool<Task, Result>;
export function createKernelPool<Task, Result, Library>(kernel: Kernel<Task, Result, Library>, options: KernelLibraryOptions<Library>): KernelPool<Task, Result>;
export function createKernelPool<Task, Result, Library>(
  kernel: Kernel<Task, Result, Library>,
  options: KernelPoolOptions & { library?: KernelLibraryOptions<Library>['library'] } = {},
): KernelPool<Task, Result> {
  const size = Math.max(1, options.workers ?? availableParallelism());
  const name = options.name ?? 'kernel';
  const source = workerSource(kernel.toString(), librarySource(options.library));
  const workers = Array.from({ length: size }, () => {
    const worker = new Worker(source, { eval: true });
    worker.unref();
    return worker;
  });
  const idle: Worker[] = [...workers];
  const waiting: (() => void)[] = [];
  let nextId = 0;
  let closed = false;

  const acquire = async (): Promise<Worker> => {
    while (idle.length === 0) await new Promise<void>((resolve) => waiting.push(resolve));
    return idle.pop()!;
  };
  const release = (worker: Worker) => {
    idle.push(worker);
    waiting.shift()?.();
  };

  const run = async (task: Task, onProgress?: (progress: unknown) => void): Promise<Result> => {
    if (closed) throw new MyContentError('ABORTED', `the ${name} worker pool is closed`, { source: name });
    const worker = await acquire();
    const id = nextId++;
    try {
      return await new Promise<Result>((resolve, reject) => {
        const onMessage = (message: { id: number; result?: Result; error?: string; progress?: unknown }) => {
          if (message.id !== id) return;
          if (message.progress !== undefined) {
            onProgress?.(message.progress);
            return;
          }
          cleanup();
          if (message.error !== undefined) reject(new MyContentError('BACKEND', `${name} worker failed: ${message.error}`, { source: name }));
          else resolve(message.result as Result);
        };
        const onError = (error: Error) => {
          cleanup();
          reject(new MyContentError('BACKEND', `${name} worker crashed: ${error.message}`, { source: name, cause: error }));
        };
        const cleanup = () => {
          worker.off('message', onMessage);
          worker.off('error', onError);
        };
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.postMessage({ id, task });
      });
    } finally {
      release(worker);
    }
  };

  return {
    size,
    run,
    map: (tasks) => Promise.all(tasks.map((task) => run(task))),
    async close() {
      closed = true;
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/**
 * Splits rows `0..n` into about `parts` contiguous ranges of similar total cost, where
 * `start[r + 1] - start[r]` is row r's cost (e.g. its non-zeros) plus `rowCost`.
 */
export function balancedRanges(start: Int32Array, parts: number, rowCost = 1): [number, number][] {
  const n = start.length - 1;
  const total = start[n]! - start[0]! + n * rowCost;
  const target = total / Math.max(1, parts);
  const ranges: [number, number][] = [];
  let from = 0;
  let acc = 0;
  for (let r = 0; r < n; r++) {
    acc += start[r + 1]! - start[r]! + rowCost;
    if (acc >= target && ranges.length < parts - 1) {
      ranges.push([from, r + 1]);
      from = r + 1;
      acc = 0;
    }
  }
  if (from < n || ranges.length === 0) ranges.push([from, n]);
  return ranges;
}
