/**
 * Lets the host's event loop run (I/O, timers, other requests) before long synchronous work goes
 * on: `await yieldToEventLoop()` between chunks of a fit, a build or a scan.
 *
 * @example
 * ```ts
 * for (let r = 0; r < rows; r++) {
 *   work(r);
 *   if ((r & 0xffff) === 0xffff) await yieldToEventLoop();
 * }
 * ```
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Returns a function to await between chunks of a long synchronous job: it yields to the event
 * loop once `budgetMs` have passed since the last yield, so a host keeps answering meanwhile.
 *
 * @example
 * ```ts
 * const breathe = createBreather();
 * for (let u = 0; u < users; u++) {
 *   work(u);
 *   if ((u & 4095) === 0) await breathe();
 * }
 * ```
 */
export function createBreather(budgetMs = 20): () => Promise<void> {
  let lastYield = performance.now();
  return async () => {
    if (performance.now() - lastYield > budgetMs) {
      await yieldToEventLoop();
      lastYield = performance.now();
    }
  };
}
