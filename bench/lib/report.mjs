// Figures of a measured phase and the table that prints them.

/** The p-th percentile (nearest rank) of ascending `sorted`; NaN when empty. */
export function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** messages/s over the measured phase and ACK latency (ms) p50, p99 and max. */
export function summarize(target, connections, phase) {
  const sorted = Float64Array.from(phase.latencies).sort();
  return {
    target,
    connections,
    messages: phase.messages,
    rate: phase.messages ? phase.messages / (phase.elapsedMs / 1000) : 0,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
    errors: phase.errors,
  };
}

/** Milliseconds with 2 decimals below 10, else 1; '-' when there is no figure. */
export const ms = (value) => (Number.isNaN(value) ? '-' : value.toFixed(value < 10 ? 2 : 1));

/** A ratio of two figures, e.g. `0.57×`, `27.1×`, `275×`; '-' when either is missing or 0. */
export const ratio = (value) => {
  if (!Number.isFinite(value)) return '-';
  return `${value >= 100 ? value.toFixed(0) : value.toPrecision(value < 1 ? 2 : 3)}×`;
};

/**
 * A plain-text table of `rows` (arrays of strings) under `header`: the first `left` columns (the
 * names) left-aligned, the figures right-aligned, a dashed line under the header.
 */
export function formatTable(header, rows, left = 1) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) =>
    cells
      .map((cell, i) => (i < left ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A plain-text table: one row per target, then the hub/baseline ratios. */
export function table(baseline, hub) {
  const header = [
    'target',
    'connections',
    'messages',
    'messages/s',
    'p50 ms',
    'p99 ms',
    'max ms',
    'errors',
  ];
  const rows = [baseline, hub].map((s) => [
    s.target,
    String(s.connections),
    String(s.messages),
    s.rate.toFixed(0),
    ms(s.p50),
    ms(s.p99),
    ms(s.max),
    String(s.errors),
  ]);
  rows.push([
    'hub / baseline',
    '',
    '',
    ratio(hub.rate / baseline.rate),
    ratio(hub.p50 / baseline.p50),
    ratio(hub.p99 / baseline.p99),
    ratio(hub.max / baseline.max),
    '',
  ]);
  return formatTable(header, rows);
}

/** The distinct problems of a phase, most frequent first, at most `limit`. */
export function problemLines(phase, limit = 5) {
  return [...phase.problems.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([text, count]) => `${count} × ${text}`);
}
