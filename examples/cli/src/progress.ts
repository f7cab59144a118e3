import type { Progress } from '@mycontent/core';

/** A progress bar on stderr (redrawn in place on a terminal, one line per phase otherwise). */
export function progressBar(label: string): { update: (p: Progress) => void; done: () => void } {
  const tty = process.stderr.isTTY === true;
  let lastPhase = '';
  let lastDraw = 0;
  return {
    update(p) {
      if (!tty) {
        if (p.phase !== lastPhase) process.stderr.write(`${label}: ${p.phase}\n`);
        lastPhase = p.phase;
        return;
      }
      const now = Date.now();
      if (now - lastDraw < 100 && p.done < p.total) return;
      lastDraw = now;
      const ratio = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
      const width = 24;
      const filled = Math.round(ratio * width);
      process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${p.phase}\x1b[K`);
    },
    done() {
      if (tty) process.stderr.write('\n');
    },
  };
}
