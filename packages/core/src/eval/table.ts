/**
 * A plain-text table: a header, a rule, the rows; the first `textColumns` columns left-aligned,
 * the others (numbers) right-aligned. Used by the evaluation reports.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], textColumns = 1): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i < textColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}
