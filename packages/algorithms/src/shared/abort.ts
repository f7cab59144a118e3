import { MyContentError } from '@mycontent/core';

/**
 * Throws `ABORTED` when `signal` is aborted: models call it when a fit starts and between its
 * chunks of work, so that an aborted fit stops early and leaves the model as it was.
 */
export function throwIfAborted(signal: AbortSignal | undefined, source: string): void {
  if (signal?.aborted) throw new MyContentError('ABORTED', `${source} fit aborted`, { source });
}
