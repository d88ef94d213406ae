/**
 * Small helpers shared by the benchmarks: latency percentiles and a plain-text table printer.
 */

/** Percentiles of a list of durations in milliseconds (nearest-rank). */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of an ascending list; NaN for an empty list. */
export function percentile(sortedAscending: readonly number[], p: number): number {
  if (sortedAscending.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sortedAscending.length);
  const index = Math.min(sortedAscending.length - 1, Math.max(0, rank - 1));
  return sortedAscending[index]!;
}

/** p50/p95/p99/max (and mean) of `values`, which need not be sorted. */
export function summarize(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((acc, v) => acc + v, 0);
  return {
    count: sorted.length,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

/** A duration for a table cell: `12.3 ms`, or `—` when there is no value. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return '—';
  return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
}

/** A rate for a table cell: `98.7 req/s`. */
export function perSecond(value: number, unit = 'req/s'): string {
  return Number.isFinite(value) ? `${value.toFixed(1)} ${unit}` : '—';
}

/** One table row: a label, its figure and an optional note (a target, a unit, a caveat). */
export type Row = [label: string, value: string | number, note?: string];

/**
 * Prints a titled table of label, figure and note, labels left-aligned, figures right-aligned (or
 * left-aligned with `align: 'left'`, for text):
 *
 *     ── Open loop ────────────────────────────
 *       requests            3000
 *       latency p99      12.3 ms   target ≤ 50 ms
 */
export function printTable(
  title: string,
  rows: readonly Row[],
  opts: { align?: 'left' | 'right'; out?: (line: string) => void } = {},
) {
  const out = opts.out ?? console.log;
  const cells = rows.map(([label, value, note]) => [label, String(value), note ?? ''] as const);
  const labelWidth = Math.max(0, ...cells.map(([l]) => l.length));
  const valueWidth = Math.max(0, ...cells.map(([, v]) => v.length));
  const pad = (v: string) => (opts.align === 'left' ? v.padEnd(valueWidth) : v.padStart(valueWidth));
  const lines = cells.map(([label, value, note]) =>
    `  ${label.padEnd(labelWidth)}  ${pad(value)}${note ? `   ${note}` : ''}`.trimEnd(),
  );
  const width = Math.max(title.length + 10, ...lines.map((l) => l.length));
  out('');
  out(`── ${title} ${'─'.repeat(width - title.length - 4)}`);
  for (const line of lines) out(line);
}

/** Table rows for a latency summary: p50, p95, p99, max. */
export function latencyRows(summary: LatencySummary, prefix = 'latency'): Row[] {
  return [
    [`${prefix} p50`, ms(summary.p50)],
    [`${prefix} p95`, ms(summary.p95)],
    [`${prefix} p99`, ms(summary.p99)],
    [`${prefix} max`, ms(summary.max)],
  ];
}
