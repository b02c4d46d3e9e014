import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { measureEcg } from './measure';
import { ECG_LAYOUT_ROWS, ECG_PAPER, ecgSheetGeometry, renderEcgSvg } from './render-svg';
import { syntheticEcg } from './synthetic';
import { type EcgRecording, LEAD_NAMES, type LeadName } from './types';

/** Lead II R amplitude of syntheticEcg at a 60° axis: the whole 1.2 mV QRS vector. */
const R_AMPLITUDE_II_MV = 1.2;

function makeRecording(overrides: Partial<Parameters<typeof syntheticEcg>[0]> = {}) {
  return syntheticEcg({
    heartRateBpm: 75,
    prMs: 160,
    qrsMs: 92,
    qtMs: 380,
    axisDeg: 60,
    durationS: 10,
    ...overrides,
  });
}

interface Trace {
  lead: string;
  rhythm: boolean;
  baseline: number;
  points: Array<[number, number]>;
}

function traces(svg: string): Trace[] {
  return [...svg.matchAll(/<polyline data-lead="([^"]+)"([^>]*) points="([^"]*)"\/>/g)].map(
    ([, lead, attributes, points]) => ({
      lead,
      rhythm: attributes.includes('data-rhythm="true"'),
      baseline: Number(/data-baseline="([^"]+)"/.exec(attributes)?.[1]),
      points: points.split(' ').map((p) => p.split(',').map(Number) as [number, number]),
    }),
  );
}

function calibrations(svg: string): Array<Array<[number, number]>> {
  return [...svg.matchAll(/<polyline class="calibration" points="([^"]*)"\/>/g)].map(([, points]) =>
    points.split(' ').map((p) => p.split(',').map(Number) as [number, number]),
  );
}

const xs = (t: Trace) => t.points.map(([x]) => x);
const ys = (t: Trace) => t.points.map(([, y]) => y);
const rhythmOf = (svg: string) => traces(svg).find((t) => t.rhythm)!;

describe('renderEcgSvg', () => {
  const recording = makeRecording();
  const svg = renderEcgSvg(recording);

  it('is well-formed XML sized in millimetres with a matching viewBox', () => {
    expect(XMLValidator.validate(svg)).toBe(true);
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(
      svg,
    ) as {
      svg: { width: string; height: string; viewBox: string };
    };
    const g = ecgSheetGeometry(25, 10, 0);
    expect(parsed.svg.width).toBe(`${g.width}mm`);
    expect(parsed.svg.height).toBe(`${g.height}mm`);
    expect(parsed.svg.viewBox).toBe(`0 0 ${g.width} ${g.height}`);
    // 10 s at 25 mm/s plus margins and the calibration area: fits A4 landscape.
    expect(g.width).toBe(270);
    expect(g.height).toBeLessThanOrEqual(210);
  });

  it('draws the 12 leads in the 3×4 layout and a lead II rhythm strip, each labelled', () => {
    const all = traces(svg);
    const leads = all.filter((t) => !t.rhythm);
    expect(leads.map((t) => t.lead).sort()).toEqual([...LEAD_NAMES].sort());
    expect(all.filter((t) => t.rhythm).map((t) => t.lead)).toEqual(['II']);

    const g = ecgSheetGeometry(25, 10, 0);
    ECG_LAYOUT_ROWS.forEach((row, r) =>
      row.forEach((lead, c) => {
        const trace = leads.find((t) => t.lead === lead)!;
        expect(trace.baseline).toBe(g.baselines[r]);
        expect(Math.min(...xs(trace))).toBeCloseTo(g.traceX + 62.5 * c, 2);
      }),
    );
    const labels = [...svg.matchAll(/font-weight="bold">([^<]+)</g)].map(([, l]) => l);
    expect(labels.sort()).toEqual([...LEAD_NAMES, 'II'].sort());
    expect(svg).toContain('25 mm/s  10 mm/mV');
    expect(svg).toContain('<pattern id="ecg-grid"');
  });

  it('gives each column 2.5 s = 62.5 mm and the rhythm strip 10 s, every sample kept', () => {
    const all = traces(svg);
    for (const lead of ['I', 'aVR', 'V1', 'II', 'aVL', 'V2', 'III', 'aVF', 'V3']) {
      const trace = all.find((t) => t.lead === lead && !t.rhythm)!;
      const extent = Math.max(...xs(trace)) - Math.min(...xs(trace));
      expect(extent).toBeCloseTo(ECG_PAPER.columnSeconds * ECG_PAPER.speedMmPerS, 2);
      expect(extent).toBe(62.5);
      expect(trace.points).toHaveLength(1251);
    }
    // The last column and the strip end at the last sample, 9.998 s.
    const v4 = all.find((t) => t.lead === 'V4')!;
    expect(Math.max(...xs(v4)) - Math.min(...xs(v4))).toBeCloseTo(62.45, 2);
    const strip = rhythmOf(svg);
    expect(Math.max(...xs(strip)) - Math.min(...xs(strip))).toBeCloseTo(249.95, 2);
    expect(strip.points).toHaveLength(5000);
  });

  it('draws the R wave 10 mm per mV above the isoelectric line', () => {
    // The synthetic recording has no noise: its first sample lies on the isoelectric line.
    const strip = rhythmOf(svg);
    const isoelectric = strip.points[0][1];
    expect(isoelectric - Math.min(...ys(strip))).toBeCloseTo(10 * R_AMPLITUDE_II_MV, 1);
    // …and 20 mm per mV at double gain.
    const strip20 = rhythmOf(renderEcgSvg(recording, { gainMmPerMv: 20 }));
    expect(strip20.points[0][1] - Math.min(...ys(strip20))).toBeCloseTo(20 * R_AMPLITUDE_II_MV, 1);
  });

  it('moves the trace 10 mm for a 1 mV step, about the row baseline', () => {
    const step = flatRecording(500, 10, (lead, i) => (lead === 'V1' && i >= 1000 ? 1 : 0));
    const v1 = traces(renderEcgSvg(step)).find((t) => t.lead === 'V1')!;
    // V1 shows 5.0–7.5 s, all after the step; its median is 1 mV, so it sits on the baseline.
    expect(new Set(ys(v1))).toEqual(new Set([v1.baseline]));
    const stepped = flatRecording(500, 10, (lead, i) => (lead === 'V1' && i >= 3000 ? 1 : 0));
    const v1b = traces(renderEcgSvg(stepped)).find((t) => t.lead === 'V1')!;
    const first = v1b.points[0][1];
    const last = v1b.points[v1b.points.length - 1][1];
    expect(first - last).toBeCloseTo(10, 2);
  });

  it('keeps a lead with a large electrode offset on its row', () => {
    const shifted = makeRecording();
    shifted.leads.V2 = shifted.leads.V2.map((v) => v + 5);
    const v2 = traces(renderEcgSvg(shifted)).find((t) => t.lead === 'V2')!;
    const g = ecgSheetGeometry(25, 10, 0);
    for (const y of ys(v2)) expect(Math.abs(y - v2.baseline)).toBeLessThan(g.rowHeight / 2);
  });

  it('starts each row with a 1 mV × 200 ms calibration pulse: 10 mm tall, 5 mm wide', () => {
    const pulses = calibrations(svg);
    expect(pulses).toHaveLength(4);
    for (const points of pulses) {
      const top = Math.min(...points.map(([, y]) => y));
      const base = Math.max(...points.map(([, y]) => y));
      const high = points.filter(([, y]) => y === top).map(([x]) => x);
      expect(base - top).toBe(10);
      expect(Math.max(...high) - Math.min(...high)).toBe(5);
    }
    const double = calibrations(renderEcgSvg(recording, { gainMmPerMv: 20 }))[0];
    const heights = double.map(([, y]) => y);
    expect(Math.max(...heights) - Math.min(...heights)).toBe(20);
  });

  it('scales time with the paper speed', () => {
    const fast = traces(renderEcgSvg(recording, { speedMmPerS: 50 }));
    const v1 = fast.find((t) => t.lead === 'V1')!;
    expect(Math.max(...xs(v1)) - Math.min(...xs(v1))).toBeCloseTo(125, 2);
    expect(renderEcgSvg(recording, { speedMmPerS: 50 })).toContain('50 mm/s  10 mm/mV');
  });

  it('rounds coordinates to 0.01 mm', () => {
    for (const [x, y] of rhythmOf(svg).points) {
      expect(Math.round(x * 100) / 100).toBe(x);
      expect(Math.round(y * 100) / 100).toBe(y);
    }
  });

  it('prints the title, measurements and flags, escaped', () => {
    const measurement = measureEcg(recording);
    const out = renderEcgSvg(recording, {
      title: ['张三 男 56岁 <script>alert("x")</script>', '申请单\u0001 A&B'],
      measurement,
      flags: ['长RR间期/停搏 3.2 秒'],
    });
    expect(out).not.toContain('<script>');
    expect(out).toContain('张三 男 56岁 &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(out).toContain('申请单 A&amp;B');
    expect(out).toMatch(
      /心率 75 次\/分 {2}PR \d+ ms {2}QRS \d+ ms {2}QT\/QTc \d+\/\d+ ms {2}电轴 -?\d+°/,
    );
    expect(out).toMatch(
      /HR 75 bpm {2}PR \d+ ms {2}QRS \d+ ms {2}QT\/QTc \d+\/\d+ ms {2}Axis -?\d+°/,
    );
    expect(out).toContain('fill="#c00" xml:space="preserve">长RR间期/停搏 3.2 秒</text>');
    expect(XMLValidator.validate(out)).toBe(true);
    // Five header lines push the chart down by 25 mm.
    const g = ecgSheetGeometry(25, 10, 5);
    expect(rhythmOf(out).baseline).toBe(g.baselines[3]);
  });

  it('draws what there is of a 6 s recording', () => {
    const short = renderEcgSvg(makeRecording({ durationS: 6 }));
    const all = traces(short);
    // Columns 1 and 2 are whole, column 3 has 1 s, column 4 nothing.
    expect(
      all
        .filter((t) => !t.rhythm)
        .map((t) => t.lead)
        .sort(),
    ).toEqual(['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3'].sort());
    const v1 = all.find((t) => t.lead === 'V1')!;
    expect(Math.max(...xs(v1)) - Math.min(...xs(v1))).toBeCloseTo(25 - 0.05, 2);
    const strip = all.find((t) => t.rhythm)!;
    expect(strip.points).toHaveLength(3000);
  });

  it('keeps every sample at 1000 Hz and each millisecond’s extremes above it', () => {
    const at1000 = rhythmOf(renderEcgSvg(makeRecording({ samplingHz: 1000 })));
    expect(at1000.points).toHaveLength(10000);
    // A 0.5 ms pacing spike at 2000 Hz survives the reduction to two points per millisecond.
    const paced = flatRecording(2000, 10, (lead, i) => (lead === 'II' && i === 4001 ? 2 : 0));
    const strip = rhythmOf(renderEcgSvg(paced));
    expect(strip.points.length).toBeLessThanOrEqual(20000);
    expect(strip.baseline - Math.min(...ys(strip))).toBeCloseTo(20, 2);
  });

  it('rejects a bad gain, speed or recording', () => {
    expect(() => renderEcgSvg(recording, { gainMmPerMv: 0 })).toThrow(RangeError);
    expect(() => renderEcgSvg(recording, { speedMmPerS: Number.NaN })).toThrow(RangeError);
    const broken = makeRecording();
    broken.leads.V6 = broken.leads.V6.subarray(10);
    expect(() => renderEcgSvg(broken)).toThrow(/V6/);
  });
});

function flatRecording(
  samplingHz: number,
  durationS: number,
  value: (lead: LeadName, i: number) => number,
): EcgRecording {
  const n = samplingHz * durationS;
  const leads = {} as Record<LeadName, Float64Array>;
  for (const lead of LEAD_NAMES)
    leads[lead] = Float64Array.from({ length: n }, (_, i) => value(lead, i));
  return { samplingHz, leads };
}
