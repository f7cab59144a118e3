/** A single-flight, timer-driven flush of a buffer: see {@link createFlushLoop}. */
export interface FlushLoop {
  /** Sends what is pending now (one send at a time: a call during a send shares it). */
  flush(): Promise<void>;
  /** Sends within `intervalMs`, unless a send is already scheduled. */
  schedule(): void;
  /** Waits for the send in progress, then sends whatever is still pending (what `flush()` on shutdown needs). */
  drain(): Promise<void>;
}

/**
 * The write-behind loop of a buffer: `send()` writes what is pending and throws if it could not
 * (keeping it pending); sends never overlap; after a send, whatever is still pending (it arrived
 * meanwhile, or the send failed) is scheduled again. The timer does not keep the process alive.
 */
export function createFlushLoop(send: () => Promise<void>, hasPending: () => boolean, intervalMs: number): FlushLoop {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let flushing: Promise<void> | undefined;
  const loop: FlushLoop = {
    flush() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      flushing ??= send().finally(() => {
        flushing = undefined;
        if (hasPending()) loop.schedule();
      });
      return flushing;
    },
    async drain() {
      if (flushing) await flushing.catch(() => undefined);
      if (hasPending()) await loop.flush();
    },
    schedule() {
      if (timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        loop.flush().catch(() => undefined); // the sender counts and reports failures; retried on the next schedule
      }, intervalMs);
      timer.unref?.();
    },
  };
  return loop;
}
