/**
 * Fitting in a worker thread: the training pipeline starts one worker per fit on a module of the
 * host's that calls {@link runFitWorker} with its model factories. The window's interactions go
 * to the worker as typed arrays; the encoded artifact comes back. The host's event loop keeps
 * answering while a model trains, and a fit that dies (an exception, an out-of-memory, a
 * terminated thread) rejects without touching the registry.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { ItemCatalog } from '../catalog/catalog';
import { tableToDataset, type InteractionTable } from '../data/interaction-table';
import type { Item } from '../domain/schemas';
import { MyContentError, type MyContentErrorCode } from '../errors/error';
import { encodeModelArtifact } from '../model/artifact';
import type { Progress, RecommenderModel } from '../model/contract';

const SOURCE = 'fit-worker';
const MARK = 'mycontent:fit';

/** What the pipeline sends a fit worker. */
interface FitTask {
  mark: typeof MARK;
  model: string;
  table: InteractionTable;
  items: readonly Item[];
  rows: Int32Array;
}

type FitMessage =
  | { kind: 'progress'; progress: Progress }
  | { kind: 'done'; bytes: Uint8Array; modelKind: string }
  | { kind: 'failed'; error: { code?: MyContentErrorCode; message: string; field?: string; stack?: string } };

/**
 * The catalogue of a window: the known items in order, then the window's other items. The
 * pipeline and its fit workers build it alike, so an artifact trained in a worker restores onto
 * the pipeline's catalogue.
 */
export function windowCatalog(table: InteractionTable, items: readonly Item[]): ItemCatalog {
  const catalog = new ItemCatalog();
  for (const item of items) catalog.upsert(item);
  for (const id of table.items) if (catalog.indexOf(id) < 0) catalog.upsert({ id, createdAt: 0 });
  return catalog;
}

/**
 * The body of a fit worker: call it in the module given to the pipeline as `fitWorker`, with the
 * same factories as the pipeline's `models`. It fits the model it is asked for on the rows it is
 * sent, reports progress, and posts the encoded artifact back.
 *
 * @example
 * ```ts
 * // fit-worker.ts: the module the pipeline starts each fit on
 * import { runFitWorker } from '@mycontent/core/eval';
 * import { models } from './models';
 * runFitWorker(models);
 * ```
 */
export function runFitWorker(models: Record<string, () => RecommenderModel>): void {
  const task = workerData as FitTask | undefined;
  if (isMainThread || !parentPort || task?.mark !== MARK) {
    throw new MyContentError('INVALID_CONFIG', 'runFitWorker runs in a worker thread started by a training pipeline (its fitWorker module), not in the main thread', { source: SOURCE });
  }
  const port = parentPort;
  const post = (message: FitMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
  void (async () => {
    try {
      const factory = models[task.model];
      if (!factory) throw new MyContentError('INVALID_CONFIG', `the fit worker has no model "${task.model}" (it has ${Object.keys(models).join(', ') || 'none'})`, { source: SOURCE, field: 'models', value: task.model });
      const model = factory();
      const catalog = windowCatalog(task.table, task.items);
      await model.fit(tableToDataset(task.table, catalog, { rows: task.rows }), { onProgress: (progress) => post({ kind: 'progress', progress }) });
      const bytes = encodeModelArtifact(model.toArtifact());
      post({ kind: 'done', bytes, modelKind: model.kind }, [bytes.buffer as ArrayBuffer]);
    } catch (error) {
      const e = error as MyContentError;
      post({ kind: 'failed', error: { message: e?.message ?? String(error), ...(e?.code ? { code: e.code } : {}), ...(e?.field ? { field: e.field } : {}), ...(e?.stack ? { stack: e.stack } : {}) } });
    }
  })();
}

/** A fit done in a worker: the encoded artifact and the model's kind. */
export interface WorkerFit {
  bytes: Uint8Array;
  kind: string;
}

/**
 * Fits `model` on `rows` of the window in a worker thread started on `module`. Rejects with the
 * worker's error, with `BACKEND` when the thread dies before it answers, and with `ABORTED` when
 * `signal` aborts (the thread is terminated).
 */
export function fitInWorker(
  module: string | URL,
  task: { model: string; table: InteractionTable; items: readonly Item[]; rows: Int32Array },
  options: { onProgress?: (progress: Progress) => void; signal?: AbortSignal } = {},
): Promise<WorkerFit> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(aborted(task.model));
  return new Promise<WorkerFit>((resolve, reject) => {
    const data: FitTask = { mark: MARK, ...task };
    const worker = new Worker(module, { workerData: data });
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      action();
      void worker.terminate();
    };
    const onAbort = () => settle(() => reject(aborted(task.model)));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (message: FitMessage) => {
      if (message.kind === 'progress') options.onProgress?.(message.progress);
      else if (message.kind === 'done') settle(() => resolve({ bytes: message.bytes, kind: message.modelKind }));
      else {
        const { code, message: text, field, stack } = message.error;
        settle(() => {
          const error = new MyContentError(code ?? 'BACKEND', `fitting "${task.model}" in a worker failed: ${text}`, { source: SOURCE, ...(field ? { field } : {}) });
          if (stack) error.stack = `${error.stack}\nin the worker: ${stack}`;
          reject(error);
        });
      }
    });
    worker.on('error', (error) => settle(() => reject(new MyContentError('BACKEND', `the fit worker of "${task.model}" failed: ${error.message}`, { source: SOURCE, cause: error }))));
    worker.on('exit', (code) => settle(() => reject(new MyContentError('BACKEND', `the fit worker of "${task.model}" exited with code ${code} before it finished`, { source: SOURCE }))));
  });
}

function aborted(model: string): MyContentError {
  return new MyContentError('ABORTED', `fitting "${model}" was aborted`, { source: SOURCE });
}
