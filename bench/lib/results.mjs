// The results contract of the benchmarks: each script writes `.run/bench/<name>.json`,
//   { name, title, rows: [{ benchmark, figure, value, unit,
//                           baseline?: { name, value, unit }, ratio?,
//                           target?: { op: '>=' | '<=', value, unit, label? }, met? }] }
// (`label` names a target that is another figure, e.g. "Orthanc's"; `value` null: not measured)
// and `npm run bench` (bench/run.mjs) reads them all after the run and prints one combined table
// (also written as Markdown to `.run/bench/summary.md`).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable, ratio } from './report.mjs';

export const RESULTS_DIR = fileURLToPath(new URL('../../.run/bench/', import.meta.url));

/**
 * One row of the contract. `ratio` (value / baseline value) is computed when a baseline is given;
 * `met` when a target is given and the value is a number, unless `met` is given (e.g. false for a
 * phase that gave up because the hub fell behind: its figure understates the waiting).
 */
export function resultRow({ benchmark, figure, value, unit, baseline, target, met }) {
  const row = { benchmark, figure, value: finite(value), unit };
  if (baseline) {
    row.baseline = { ...baseline, value: finite(baseline.value) };
    if (row.value !== null && row.baseline.value) row.ratio = row.value / row.baseline.value;
  }
  if (target) {
    row.target = { ...target, value: finite(target.value) };
    if (met !== undefined) row.met = met;
    else if (row.value !== null && row.target.value !== null)
      row.met = target.op === '>=' ? row.value >= target.value : row.value <= target.value;
  }
  return row;
}

const finite = (value) => (Number.isFinite(value) ? value : null);

/** Writes `.run/bench/<name>.json` (the directory is made when missing); returns its path. */
export function writeResults({ name, title, rows }) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ name, title, writtenAt: new Date().toISOString(), rows }, null, 2)}\n`,
  );
  return file;
}

/** Deletes every result file, so that a combined table never shows a figure of an earlier run. */
export function clearResults() {
  rmSync(RESULTS_DIR, { recursive: true, force: true });
}

/** Every result file in `.run/bench/`, in the order they were written. */
export function readResults() {
  let names;
  try {
    names = readdirSync(RESULTS_DIR).filter((file) => file.endsWith('.json'));
  } catch {
    return [];
  }
  return names
    .map((file) => JSON.parse(readFileSync(join(RESULTS_DIR, file), 'utf8')))
    .sort((a, b) => String(a.writtenAt).localeCompare(String(b.writtenAt)));
}

/** A figure with as many digits as it needs: 12,345 / 123 / 12.3 / 1.23 / 0.123. */
export function formatValue(value, unit = '') {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  const abs = Math.abs(value);
  const text =
    abs >= 1000
      ? Math.round(value).toLocaleString('en-US')
      : abs >= 100
        ? value.toFixed(0)
        : abs >= 10
          ? value.toFixed(1)
          : abs >= 1
            ? value.toFixed(2)
            : value.toPrecision(2);
  return unit ? `${text} ${unit}` : text;
}

/** e.g. `≥ 1,000 orders/s`, `≥ Orthanc's (1,087 instances/s)`, `≥ Orthanc's (not measured)`. */
function targetText({ op, value, unit, label }) {
  const figure = value === null ? 'not measured' : formatValue(value, unit);
  return `${op === '>=' ? '≥' : '≤'} ${label ? `${label} (${figure})` : figure}`;
}

/** The cells of one row: benchmark, figure, value, baseline, ratio, target, met?. */
function cells(row) {
  return [
    row.benchmark,
    row.figure,
    formatValue(row.value, row.unit),
    row.baseline
      ? `${formatValue(row.baseline.value, row.baseline.unit)} (${row.baseline.name})`
      : '',
    row.ratio === undefined ? '' : ratio(row.ratio),
    row.target ? targetText(row.target) : '',
    row.met === undefined ? (row.target ? 'no figure' : '') : row.met ? 'yes' : 'NO',
  ];
}

const HEADER = ['benchmark', 'figure', 'value', 'baseline', 'ratio', 'target', 'met?'];

/** The combined plain-text table of all `results` (as readResults returns them). */
export function combinedTable(results) {
  return formatTable(
    HEADER,
    results.flatMap(({ rows }) => rows.map(cells)),
    2,
  );
}

/** The same table as Markdown, under a heading per run. */
export function combinedMarkdown(results) {
  const escape = (text) => text.replaceAll('|', '\\|');
  const lines = [
    `| ${HEADER.join(' | ')} |`,
    '| --- | --- | ---: | --- | ---: | --- | --- |',
    ...results.flatMap(({ rows }) =>
      rows.map((row) => `| ${cells(row).map(escape).join(' | ')} |`),
    ),
  ];
  return `${lines.join('\n')}\n`;
}
