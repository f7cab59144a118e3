/** Numbers as the dashboard and the editors' pages show them. */

/** Seconds as milliseconds with one decimal, `—` when unknown. */
export const ms = (seconds: number) => (Number.isFinite(seconds) ? `${(seconds * 1000).toFixed(1)} ms` : '—');

/** A share as a percentage with one decimal, `—` when unknown. */
export const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : '—');
