import { useQuery } from '@tanstack/react-query';
import { Alert, Spin } from 'antd';
import { type PointerEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';

/** Paper speed of the gateway's sheets. */
export const SPEED_MM_PER_S = 25;
/** CSS pixels per millimetre (96 dpi): the sheet at "true size". */
export const PX_PER_MM = 96 / 25.4;

/** A caliper on the sheet, in mm from its top-left corner. */
export interface Caliper {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** What a caliper measures at 25 mm/s and the sheet's gain. */
export function measureCaliper(caliper: Caliper, gainMmPerMv: number) {
  const ms = (Math.abs(caliper.x2 - caliper.x1) * 1000) / SPEED_MM_PER_S;
  const mv = Math.abs(caliper.y2 - caliper.y1) / gainMmPerMv;
  return { ms, mv, rate: ms > 0 ? 60_000 / ms : undefined };
}

/** The sheet's size in mm, from the root element's width and height. */
function sheetSize(svg: string): { width: number; height: number } | undefined {
  const root = /<svg\b[^>]*>/.exec(svg)?.[0] ?? '';
  const width = /\bwidth="([\d.]+)mm"/.exec(root)?.[1];
  const height = /\bheight="([\d.]+)mm"/.exec(root)?.[1];
  return width && height ? { width: Number(width), height: Number(height) } : undefined;
}

/**
 * One recording on ECG paper as the gateway draws it (SVG in millimetres, 25 mm/s), shown at
 * true size or fitted to the column, with calipers: drag across the sheet to measure an interval
 * (ms, and the rate it means) and an amplitude (mV at the sheet's gain). Calipers stay until
 * cleared; `onMeasure` hears each new one.
 */
export function EcgSheet({
  recordingId,
  gain,
  fit,
  calipers,
  onCalipers,
  testId,
}: {
  recordingId: string;
  gain: number;
  /** Fit the sheet to the column's width (else true size). */
  fit: boolean;
  calipers: Caliper[];
  onCalipers: (calipers: Caliper[]) => void;
  testId: string;
}) {
  const { t } = useTranslation('ecg');
  const sheet = useQuery({
    queryKey: ['ecg', 'render', recordingId, gain],
    queryFn: ({ signal }) =>
      api<string>(`/api/ecg/recordings/${recordingId}/render?gain=${gain}`, {
        as: 'text',
        signal,
        headers: { accept: 'image/svg+xml' },
      }),
    staleTime: Infinity,
  });
  const size = sheet.data ? sheetSize(sheet.data) : undefined;
  // An <img> of a blob: URL (the CSP allows them; an SVG shown as an image runs nothing).
  const [src, setSrc] = useState<string>();
  useEffect(() => {
    if (!sheet.data) return;
    const url = URL.createObjectURL(new Blob([sheet.data], { type: 'image/svg+xml' }));
    setSrc(url);
    return () => URL.revokeObjectURL(url);
  }, [sheet.data]);

  const frame = useRef<HTMLDivElement>(null);
  const [frameWidth, setFrameWidth] = useState(0);
  useEffect(() => {
    const element = frame.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => setFrameWidth(entry.contentRect.width));
    observer.observe(element);
    return () => observer.disconnect();
  }, [src]);

  const [dragging, setDragging] = useState<Caliper>();
  const overlay = useRef<SVGSVGElement>(null);
  const toMm = (event: PointerEvent) => {
    const box = overlay.current?.getBoundingClientRect();
    if (!box || !size) return { x: 0, y: 0 };
    return {
      x: ((event.clientX - box.left) / box.width) * size.width,
      y: ((event.clientY - box.top) / box.height) * size.height,
    };
  };

  if (sheet.isLoading || (sheet.data && !src)) return <Spin />;
  if (sheet.error || !size || !src)
    return (
      <Alert type="error" showIcon title={t('sheet.failed')} description={sheet.error?.message} />
    );
  const scale = fit && frameWidth ? frameWidth / size.width : PX_PER_MM;
  const shown = [...calipers, ...(dragging ? [dragging] : [])];

  return (
    <div className="ecg-sheet-frame" ref={frame} data-testid={testId}>
      <div style={{ position: 'relative', width: size.width * scale, height: size.height * scale }}>
        <img
          src={src}
          alt={t('sheet.alt')}
          width={size.width * scale}
          height={size.height * scale}
          draggable={false}
        />
        <svg
          ref={overlay}
          className="ecg-calipers"
          data-testid={`${testId}-calipers`}
          width={size.width * scale}
          height={size.height * scale}
          viewBox={`0 0 ${size.width} ${size.height}`}
          data-width-mm={size.width}
          onPointerDown={(event) => {
            if (event.button !== 0) return;
            event.currentTarget.setPointerCapture(event.pointerId);
            const at = toMm(event);
            setDragging({ x1: at.x, y1: at.y, x2: at.x, y2: at.y });
          }}
          onPointerMove={(event) => {
            if (!dragging) return;
            const at = toMm(event);
            setDragging({ ...dragging, x2: at.x, y2: at.y });
          }}
          onPointerUp={() => {
            if (
              dragging &&
              Math.abs(dragging.x2 - dragging.x1) + Math.abs(dragging.y2 - dragging.y1) > 0.5
            )
              onCalipers([...calipers, dragging]);
            setDragging(undefined);
          }}
        >
          {shown.map((caliper, index) => (
            <CaliperMark key={index} caliper={caliper} gain={gain} index={index} />
          ))}
        </svg>
      </div>
    </div>
  );
}

/** Two time marks with the interval between them, and the amplitude on the second mark. */
function CaliperMark({ caliper, gain, index }: { caliper: Caliper; gain: number; index: number }) {
  const { t } = useTranslation('ecg');
  const { ms, mv, rate } = measureCaliper(caliper, gain);
  const { x1, y1, x2, y2 } = caliper;
  const top = Math.min(y1, y2) - 4;
  const bottom = Math.max(y1, y2) + 4;
  const label = `${index + 1}: ${Math.round(ms)} ms${rate && ms >= 200 ? ` · ${Math.round(rate)} ${t('calipers.perMin')}` : ''} · ${mv.toFixed(2)} mV`;
  return (
    <g stroke="#1668dc" strokeWidth={0.35} fill="none">
      <line x1={x1} y1={top} x2={x1} y2={bottom} />
      <line x1={x2} y1={top} x2={x2} y2={bottom} />
      <line x1={x1} y1={y1} x2={x2} y2={y1} strokeDasharray="1 0.6" />
      <line x1={x2} y1={y1} x2={x2} y2={y2} strokeWidth={0.6} />
      <text
        x={Math.min(x1, x2)}
        y={top - 1}
        fill="#1668dc"
        stroke="none"
        fontSize={3.2}
        fontWeight={600}
      >
        {label}
      </text>
    </g>
  );
}
