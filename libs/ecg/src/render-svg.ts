import { type EcgMeasurement } from './measure';
import { ecgMeasurementSummaryParts } from './observation';
import { type EcgRecording, LEAD_NAMES, type LeadName } from './types';

/** Standard ECG paper and the 3×4 + rhythm layout. Lengths in mm, times in s, voltages in mV. */
export const ECG_PAPER = {
  speedMmPerS: 25,
  gainMmPerMv: 10,
  minorGridMm: 1,
  majorGridMm: 5,
  marginMm: 5,
  /** Pitch of the header and footer text lines. */
  textLineMm: 5,
  columnSeconds: 2.5,
  columns: 4,
  rhythmSeconds: 10,
  /** A row is this many mV tall at the chosen gain (rounded up to whole cm). */
  rowMv: 3,
  calibrationMv: 1,
  calibrationSeconds: 0.2,
  /** Flat paper on each side of the calibration pulse. */
  calibrationPadSeconds: 0.1,
  /** Height of the tick between two columns. */
  separatorMm: 5,
  /** Above this rate traces keep each millisecond's minimum and maximum; at or below, every sample. */
  maxUndecimatedHz: 1000,
} as const;

/** Rows of the standard simultaneous 3×4 layout; column k shows seconds 2.5k … 2.5(k + 1). */
export const ECG_LAYOUT_ROWS: readonly (readonly LeadName[])[] = [
  ['I', 'aVR', 'V1', 'V4'],
  ['II', 'aVL', 'V2', 'V5'],
  ['III', 'aVF', 'V3', 'V6'],
];

export interface EcgRenderOptions {
  /** Paper speed, 25 mm/s unless given. */
  speedMmPerS?: number;
  /** Gain, 10 mm/mV unless given. */
  gainMmPerMv?: number;
  /** Lead of the 10 s rhythm strip, II unless given. */
  rhythmLead?: LeadName;
  /** Header lines (patient, order, …), printed as given. */
  title?: string[];
  /** The hub's measurements, printed as a Chinese and an English line. */
  measurement?: EcgMeasurement;
  /** Critical flags, printed in red. */
  flags?: string[];
}

/** Where things sit on the sheet, in mm from its top-left corner. */
export interface EcgSheetGeometry {
  width: number;
  height: number;
  /** x of time 0 in the columns and the rhythm strip. */
  traceX: number;
  rowHeight: number;
  /** y of each row's baseline (its centre line); the last row is the rhythm strip. */
  baselines: number[];
  chartTop: number;
  chartBottom: number;
}

/** The sheet's geometry for a given speed, gain and number of header lines. */
export function ecgSheetGeometry(
  speedMmPerS: number,
  gainMmPerMv: number,
  headerLines: number,
): EcgSheetGeometry {
  const p = ECG_PAPER;
  const calibrationWidth = (2 * p.calibrationPadSeconds + p.calibrationSeconds) * speedMmPerS;
  const traceX = p.marginMm + calibrationWidth;
  // Whole centimetres keep each baseline on a major grid line.
  const rowHeight = Math.max(10, Math.ceil((p.rowMv * gainMmPerMv) / 10) * 10);
  const chartTop = p.marginMm + headerLines * p.textLineMm;
  const rows = ECG_LAYOUT_ROWS.length + 1;
  const chartBottom = chartTop + rows * rowHeight;
  return {
    width: traceX + p.columns * p.columnSeconds * speedMmPerS + p.marginMm,
    height: chartBottom + p.textLineMm + p.marginMm,
    traceX,
    rowHeight,
    baselines: Array.from({ length: rows }, (_, r) => chartTop + (r + 0.5) * rowHeight),
    chartTop,
    chartBottom,
  };
}

/**
 * A 12-lead ECG on standard paper as SVG, in millimetres so it prints at true scale: 1 mm and 5 mm
 * grid, the 3×4 simultaneous layout (each column 2.5 s, leads labelled, a tick between columns),
 * a 10 s rhythm strip below, a 1 mV × 200 ms calibration pulse at the start of each row, a header
 * (title lines, the measurements in Chinese and English, flags in red) and the speed and gain in a
 * footer. Each lead is plotted about its median, so an electrode offset does not push it off its
 * row; no sample is dropped at ≤ 1000 Hz. A recording shorter than 10 s fills what it can; a longer
 * one shows its first 10 s.
 *
 * Traces are `<polyline data-lead="V1" data-baseline="…">`, the rhythm strip carries
 * `data-rhythm="true"`, calibration pulses `class="calibration"`.
 */
export function renderEcgSvg(recording: EcgRecording, options: EcgRenderOptions = {}): string {
  const speed = options.speedMmPerS ?? ECG_PAPER.speedMmPerS;
  const gain = options.gainMmPerMv ?? ECG_PAPER.gainMmPerMv;
  const rhythmLead = options.rhythmLead ?? 'II';
  if (!(speed > 0 && Number.isFinite(speed))) throw new RangeError(`speed ${speed} mm/s`);
  if (!(gain > 0 && Number.isFinite(gain))) throw new RangeError(`gain ${gain} mm/mV`);
  if (!LEAD_NAMES.includes(rhythmLead)) throw new RangeError(`unknown rhythm lead ${rhythmLead}`);
  const fs = recording.samplingHz;
  if (!(fs > 0 && Number.isFinite(fs))) throw new RangeError(`sampling rate ${fs} Hz`);
  const n = recording.leads.I?.length ?? 0;
  for (const lead of LEAD_NAMES) {
    if (recording.leads[lead]?.length !== n) {
      throw new RangeError(`lead ${lead} is missing or not ${n} samples long`);
    }
  }

  const header = headerLines(options);
  const g = ecgSheetGeometry(speed, gain, header.length);
  const p = ECG_PAPER;
  const medians = new Map(LEAD_NAMES.map((lead) => [lead, median(recording.leads[lead])]));
  const trace = (lead: LeadName, fromS: number, toS: number, baseline: number) =>
    tracePoints(recording.leads[lead], fs, fromS, toS, {
      x0: g.traceX,
      baseline,
      offset: medians.get(lead) ?? 0,
      speed,
      gain,
    });

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${mm(g.width)}mm" height="${mm(g.height)}mm" viewBox="0 0 ${mm(g.width)} ${mm(g.height)}">`,
    '<defs>',
    gridPattern('ecg-grid-minor', p.minorGridMm, '#f6c4c4', 0.06),
    `<pattern id="ecg-grid" width="${p.majorGridMm}" height="${p.majorGridMm}" patternUnits="userSpaceOnUse"><rect width="${p.majorGridMm}" height="${p.majorGridMm}" fill="url(#ecg-grid-minor)"/><path d="M0 0H${p.majorGridMm}V${p.majorGridMm}H0Z" fill="none" stroke="#e58f8f" stroke-width="0.2"/></pattern>`,
    '</defs>',
    `<rect width="${mm(g.width)}" height="${mm(g.height)}" fill="#fff"/>`,
    `<rect x="${p.marginMm}" y="${mm(g.chartTop)}" width="${mm(g.width - 2 * p.marginMm)}" height="${mm(g.chartBottom - g.chartTop)}" fill="url(#ecg-grid)"/>`,
  ];

  const text: string[] = [];
  header.forEach((line, k) => {
    const y = p.marginMm + k * p.textLineMm + 3.8;
    const fill = line.red ? ' fill="#c00"' : '';
    text.push(
      `<text x="${p.marginMm}" y="${mm(y)}"${fill} xml:space="preserve">${escapeXml(line.text)}</text>`,
    );
  });

  const traces: string[] = [];
  const calibrations: string[] = [];
  const separators: string[] = [];
  const labelAt = (lead: LeadName, x: number, baseline: number) =>
    text.push(
      `<text x="${mm(x + 1)}" y="${mm(baseline - g.rowHeight / 2 + 4)}" font-weight="bold">${lead}</text>`,
    );

  ECG_LAYOUT_ROWS.forEach((row, r) => {
    const baseline = g.baselines[r];
    row.forEach((lead, c) => {
      const fromS = c * p.columnSeconds;
      const x = g.traceX + fromS * speed;
      labelAt(lead, x, baseline);
      if (c > 0) {
        separators.push(
          `M${mm(x)} ${mm(baseline - p.separatorMm / 2)}V${mm(baseline + p.separatorMm / 2)}`,
        );
      }
      const points = trace(lead, fromS, fromS + p.columnSeconds, baseline);
      if (points) {
        traces.push(
          `<polyline data-lead="${lead}" data-baseline="${mm(baseline)}" points="${points}"/>`,
        );
      }
    });
  });
  const rhythmBaseline = g.baselines[ECG_LAYOUT_ROWS.length];
  labelAt(rhythmLead, g.traceX, rhythmBaseline);
  const rhythm = trace(rhythmLead, 0, p.rhythmSeconds, rhythmBaseline);
  if (rhythm) {
    traces.push(
      `<polyline data-lead="${rhythmLead}" data-rhythm="true" data-baseline="${mm(rhythmBaseline)}" points="${rhythm}"/>`,
    );
  }
  for (const baseline of g.baselines) calibrations.push(calibrationPulse(baseline, speed, gain));

  const footerY = g.chartBottom + 3.8;
  text.push(
    `<text x="${p.marginMm}" y="${mm(footerY)}" xml:space="preserve">${mm(speed)} mm/s  ${mm(gain)} mm/mV  ${mm(fs)} Hz</text>`,
  );

  out.push(
    `<g fill="none" stroke="#000" stroke-width="0.2" stroke-linejoin="round" stroke-linecap="round">`,
    ...calibrations,
    separators.length ? `<path class="separator" d="${separators.join('')}"/>` : '',
    ...traces,
    '</g>',
    `<g font-family="'Noto Sans SC','Microsoft YaHei','PingFang SC',sans-serif" font-size="3.5" fill="#000">`,
    ...text,
    '</g>',
    '</svg>',
  );
  return out.filter(Boolean).join('\n');
}

interface HeaderLine {
  text: string;
  red?: boolean;
}

function headerLines(options: EcgRenderOptions): HeaderLine[] {
  const lines: HeaderLine[] = (options.title ?? []).map((text) => ({ text }));
  if (options.measurement) {
    const parts = ecgMeasurementSummaryParts(options.measurement);
    lines.push({ text: parts.zh.join('  ') }, { text: parts.en.join('  ') });
  }
  for (const flag of options.flags ?? []) lines.push({ text: flag, red: true });
  return lines;
}

/** A square tile whose four edges, half inside each neighbour, make full-width grid lines. */
function gridPattern(id: string, size: number, colour: string, width: number): string {
  return `<pattern id="${id}" width="${size}" height="${size}" patternUnits="userSpaceOnUse"><path d="M0 0H${size}V${size}H0Z" fill="none" stroke="${colour}" stroke-width="${width}"/></pattern>`;
}

/** Flat, 1 mV up for 200 ms, flat: from the margin to where the traces start. */
function calibrationPulse(baseline: number, speed: number, gain: number): string {
  const p = ECG_PAPER;
  const x0 = p.marginMm;
  const up = x0 + p.calibrationPadSeconds * speed;
  const down = up + p.calibrationSeconds * speed;
  const end = down + p.calibrationPadSeconds * speed;
  const top = baseline - p.calibrationMv * gain;
  const points = [
    [x0, baseline],
    [up, baseline],
    [up, top],
    [down, top],
    [down, baseline],
    [end, baseline],
  ];
  return `<polyline class="calibration" points="${points.map(([x, y]) => `${mm(x)},${mm(y)}`).join(' ')}"/>`;
}

interface TraceFrame {
  x0: number;
  baseline: number;
  /** Subtracted from each sample (the lead's median), mV. */
  offset: number;
  speed: number;
  gain: number;
}

/**
 * Polyline points of the samples at times fromS … toS (both ends included), or '' when fewer than
 * two samples fall there. Above 1000 Hz each millisecond keeps its lowest and highest sample, in
 * time order, so no peak (a pacing spike) is lost.
 */
function tracePoints(
  signal: Float64Array,
  fs: number,
  fromS: number,
  toS: number,
  frame: TraceFrame,
): string {
  const from = Math.max(0, Math.ceil(fromS * fs - 1e-9));
  const to = Math.min(signal.length - 1, Math.floor(toS * fs + 1e-9));
  if (to - from < 1) return '';
  const points: string[] = [];
  const add = (i: number) => {
    const v = signal[i];
    if (!Number.isFinite(v)) return;
    const x = frame.x0 + (i / fs) * frame.speed;
    const y = frame.baseline - (v - frame.offset) * frame.gain;
    points.push(`${mm(x)},${mm(y)}`);
  };
  const step = Math.ceil(fs / ECG_PAPER.maxUndecimatedHz);
  if (step <= 1) {
    for (let i = from; i <= to; i++) add(i);
  } else {
    for (let start = from; start <= to; start += step) {
      const end = Math.min(to, start + step - 1);
      let lo = start;
      let hi = start;
      for (let i = start + 1; i <= end; i++) {
        if (signal[i] < signal[lo]) lo = i;
        if (signal[i] > signal[hi]) hi = i;
      }
      add(Math.min(lo, hi));
      if (lo !== hi) add(Math.max(lo, hi));
    }
  }
  return points.join(' ');
}

function median(signal: Float64Array): number {
  const sorted = signal.filter(Number.isFinite).sort();
  if (sorted.length === 0) return 0;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A length rounded to 0.01 mm, without trailing zeros. */
function mm(value: number): string {
  return String(Math.round(value * 100) / 100);
}

// XML 1.0 cannot carry these even escaped: C0 controls but tab/LF/CR, U+FFFE/FFFF, lone surrogates.
// eslint-disable-next-line no-control-regex
const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes text for element content and attributes, dropping characters XML 1.0 forbids. */
function escapeXml(text: string): string {
  return text
    .replace(XML_FORBIDDEN, '')
    .replace(LONE_SURROGATE, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
