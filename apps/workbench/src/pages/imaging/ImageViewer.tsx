import {
  ColumnHeightOutlined,
  ExpandOutlined,
  ZoomInOutlined,
  ZoomOutOutlined,
} from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Segmented, Spin, Tooltip } from 'antd';
import {
  type KeyboardEvent,
  type MouseEvent as ReactMouseEvent,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { useTranslation } from 'react-i18next';
import {
  FrameCache,
  type ViewerImage,
  type ViewerSeries,
  type WindowLevel,
  loadStudy,
  renderedUrl,
} from './dicomweb';

/** Window/level presets in Hounsfield units (CT), as reading rooms use them. */
export const WINDOW_PRESETS: Array<{ id: string; key: string; window?: WindowLevel }> = [
  { id: 'default', key: 'D' },
  { id: 'lung', key: '1', window: { center: -600, width: 1500 } },
  { id: 'mediastinum', key: '2', window: { center: 40, width: 400 } },
  { id: 'bone', key: '3', window: { center: 400, width: 1800 } },
  { id: 'brain', key: '4', window: { center: 40, width: 80 } },
];

const ZOOM_STEP = 1.25;
const PREFETCH = 4;

/**
 * The study viewer (阅片): series thumbnails, the images of a series scrolled with the mouse wheel
 * or the keys (↑ ↓, PgUp PgDn, Home End), window/level presets (lung, mediastinum, bone, brain;
 * keys 1–4, D for the header's window) and a free window by dragging with the right button, zoom
 * (Ctrl + wheel, + −, 0 to fit) and pan (drag). Images are the archive's rendered frames
 * (WADO-RS `/rendered?window=center,width`), fetched with the reader's token.
 */
export function ImageViewer({ studyUid }: { studyUid: string }) {
  const { t } = useTranslation('imaging');
  const study = useQuery({
    queryKey: ['dicomweb', 'study', studyUid],
    queryFn: ({ signal }) => loadStudy(studyUid, signal),
    staleTime: 60_000,
  });
  const cache = useMemo(() => new FrameCache(), []);
  useEffect(() => () => cache.clear(), [cache]);
  const series = study.data ?? [];
  const [seriesIndex, setSeriesIndex] = useState(0);
  const [positions, setPositions] = useState<Record<string, number>>({});
  const [presetId, setPresetId] = useState('default');
  const [custom, setCustom] = useState<WindowLevel>();
  const [zoom, setZoom] = useState(1);
  const [pan, setPan] = useState({ x: 0, y: 0 });
  const [drag, setDrag] = useState<{
    kind: 'pan' | 'window';
    x: number;
    y: number;
    origin: { x: number; y: number };
    window?: WindowLevel;
  }>();
  const [pendingWindow, setPendingWindow] = useState<WindowLevel>();
  const pendingRef = useRef<WindowLevel>(undefined);
  const viewport = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ width: 800, height: 600 });

  const current: ViewerSeries | undefined = series[Math.min(seriesIndex, series.length - 1)];
  const position = current ? Math.min(positions[current.uid] ?? 0, current.images.length - 1) : 0;
  const image: ViewerImage | undefined = current?.images[position];
  const isCt = current?.modality === 'CT';
  const level = custom ?? WINDOW_PRESETS.find((p) => p.id === presetId)?.window;
  const url = image ? renderedUrl(studyUid, image, level) : undefined;

  // The frame shown stays until the next one has arrived: scrolling never flashes black.
  const [shown, setShown] = useState<{ url: string; src: string }>();
  const [frameError, setFrameError] = useState<string>();
  useEffect(() => {
    if (!url || !current) return;
    let live = true;
    cache.get(url).then(
      (src) => {
        if (!live) return;
        setShown({ url, src });
        setFrameError(undefined);
      },
      (error: unknown) =>
        live && setFrameError(error instanceof Error ? error.message : String(error)),
    );
    // The next images in both directions, so scrolling is smooth.
    for (let step = 1; step <= PREFETCH; step++)
      for (const neighbour of [current.images[position + step], current.images[position - step]])
        if (neighbour)
          void cache.get(renderedUrl(studyUid, neighbour, level)).catch(() => undefined);
    return () => {
      live = false;
    };
    // `url` names the image and the window: nothing else changes what is shown.
  }, [url]);

  // The keys scroll as soon as the study is there.
  useEffect(() => viewport.current?.focus({ preventScroll: true }), [study.isSuccess]);

  useEffect(() => {
    const element = viewport.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) =>
      setSize({ width: entry.contentRect.width, height: entry.contentRect.height }),
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, [study.isSuccess]);

  const move = (delta: number) => {
    if (!current) return;
    const next = Math.max(0, Math.min(current.images.length - 1, position + delta));
    setPositions((p) => ({ ...p, [current.uid]: next }));
  };
  const zoomBy = (factor: number) => setZoom((z) => Math.max(0.25, Math.min(8, z * factor)));
  const resetView = () => {
    setZoom(1);
    setPan({ x: 0, y: 0 });
  };
  const choosePreset = (id: string) => {
    setPresetId(id);
    setCustom(undefined);
  };

  // The wheel scrolls images (Ctrl zooms); a native listener, so the page itself does not scroll.
  const moveRef = useRef(move);
  moveRef.current = move;
  useEffect(() => {
    const element = viewport.current;
    if (!element) return;
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      if (event.ctrlKey) zoomBy(event.deltaY < 0 ? ZOOM_STEP : 1 / ZOOM_STEP);
      else moveRef.current(event.deltaY > 0 ? 1 : -1);
    };
    element.addEventListener('wheel', onWheel, { passive: false });
    return () => element.removeEventListener('wheel', onWheel);
  }, [study.isSuccess]);

  const onKeyDown = (event: KeyboardEvent) => {
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(1),
      ArrowRight: () => move(1),
      PageDown: () => move(10),
      ArrowUp: () => move(-1),
      ArrowLeft: () => move(-1),
      PageUp: () => move(-10),
      Home: () => move(-1e6),
      End: () => move(1e6),
      '+': () => zoomBy(ZOOM_STEP),
      '=': () => zoomBy(ZOOM_STEP),
      '-': () => zoomBy(1 / ZOOM_STEP),
      '0': resetView,
      d: () => choosePreset('default'),
      D: () => choosePreset('default'),
    };
    for (const preset of WINDOW_PRESETS)
      if (preset.window && isCt) keys[preset.key] = () => choosePreset(preset.id);
    const action = keys[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  };

  const onMouseDown = (event: ReactMouseEvent) => {
    viewport.current?.focus();
    const kind = event.button === 2 ? 'window' : event.button === 0 ? 'pan' : undefined;
    if (!kind) return;
    event.preventDefault();
    setDrag({
      kind,
      x: event.clientX,
      y: event.clientY,
      origin: pan,
      window: level ?? { center: 40, width: 400 },
    });
  };
  useEffect(() => {
    if (!drag) return;
    const onMove = (event: MouseEvent) => {
      const dx = event.clientX - drag.x;
      const dy = event.clientY - drag.y;
      if (drag.kind === 'pan') setPan({ x: drag.origin.x + dx, y: drag.origin.y + dy });
      else if (drag.window) {
        // Right and left widen and narrow the window, up and down move its level.
        pendingRef.current = {
          center: drag.window.center + dy * 2,
          width: Math.max(1, drag.window.width + dx * 4),
        };
        setPendingWindow(pendingRef.current);
      }
    };
    const onUp = () => {
      setDrag(undefined);
      // The archive renders the new window once, when the button is let go.
      if (pendingRef.current) setCustom(pendingRef.current);
      pendingRef.current = undefined;
      setPendingWindow(undefined);
    };
    window.addEventListener('mousemove', onMove);
    window.addEventListener('mouseup', onUp);
    return () => {
      window.removeEventListener('mousemove', onMove);
      window.removeEventListener('mouseup', onUp);
    };
  }, [drag]);

  if (study.isLoading)
    return (
      <div className="imaging-viewer" style={{ alignItems: 'center', justifyContent: 'center' }}>
        <Spin tip={t('viewer.loading')}>
          <div style={{ width: 120 }} />
        </Spin>
      </div>
    );
  if (study.error)
    return (
      <Alert
        type="error"
        showIcon
        title={t('viewer.loadFailed')}
        description={study.error.message}
      />
    );
  if (!current || !image) return <Alert type="info" showIcon title={t('viewer.noImages')} />;

  const natural = { width: image.columns ?? 512, height: image.rows ?? 512 };
  const fit = Math.min(size.width / natural.width, size.height / natural.height) * 0.96;
  const scale = fit * zoom;
  const shownWindow = pendingWindow ?? level;

  return (
    <div className="imaging-viewer" data-testid="image-viewer">
      <div className="imaging-series" data-testid="series-list">
        {series.map((s, index) => (
          <SeriesThumb
            key={s.uid}
            study={studyUid}
            series={s}
            cache={cache}
            active={index === seriesIndex}
            index={index}
            onSelect={() => {
              setSeriesIndex(index);
              viewport.current?.focus();
            }}
          />
        ))}
      </div>
      <div className="imaging-main">
        <div className="imaging-toolbar">
          <Segmented
            size="small"
            data-testid="window-presets"
            value={custom ? 'custom' : presetId}
            onChange={(id) => choosePreset(String(id))}
            options={[
              ...WINDOW_PRESETS.map((preset) => ({
                value: preset.id,
                disabled: Boolean(preset.window) && !isCt,
                label: (
                  <Tooltip
                    title={
                      preset.window && !isCt
                        ? t('viewer.presetCtOnly')
                        : `${t(`viewer.preset.${preset.id}`)} (${preset.key})`
                    }
                  >
                    <span data-testid={`preset-${preset.id}`}>
                      {t(`viewer.preset.${preset.id}`)}
                    </span>
                  </Tooltip>
                ),
              })),
              ...(custom ? [{ value: 'custom', label: t('viewer.preset.custom') }] : []),
            ]}
          />
          <Tooltip title={t('viewer.zoomIn')}>
            <Button
              size="small"
              icon={<ZoomInOutlined />}
              onClick={() => zoomBy(ZOOM_STEP)}
              data-testid="zoom-in"
            />
          </Tooltip>
          <Tooltip title={t('viewer.zoomOut')}>
            <Button
              size="small"
              icon={<ZoomOutOutlined />}
              onClick={() => zoomBy(1 / ZOOM_STEP)}
              data-testid="zoom-out"
            />
          </Tooltip>
          <Tooltip title={t('viewer.fit')}>
            <Button
              size="small"
              icon={<ExpandOutlined />}
              onClick={resetView}
              data-testid="zoom-fit"
            />
          </Tooltip>
          <span style={{ flex: 1 }} />
          <Tooltip title={t('viewer.help')}>
            <span style={{ fontSize: 12, color: '#8c8c8c' }}>
              <ColumnHeightOutlined /> {t('viewer.helpShort')}
            </span>
          </Tooltip>
        </div>
        <div
          ref={viewport}
          className={`imaging-viewport${drag?.kind === 'pan' ? ' dragging' : ''}`}
          tabIndex={0}
          data-testid="viewer-viewport"
          onKeyDown={onKeyDown}
          onMouseDown={onMouseDown}
          onContextMenu={(e) => e.preventDefault()}
          onDoubleClick={resetView}
          aria-label={t('viewer.aria')}
        >
          {shown && (
            <img
              src={shown.src}
              alt={t('viewer.imageAlt', { n: position + 1 })}
              data-testid="viewer-image"
              data-url={shown.url}
              data-loading={shown.url !== url ? 'true' : 'false'}
              draggable={false}
              style={{
                width: natural.width * scale,
                height: natural.height * scale,
                transform: `translate(calc(-50% + ${pan.x}px), calc(-50% + ${pan.y}px))`,
              }}
            />
          )}
          <div className="imaging-overlay" style={{ left: 8, top: 6 }}>
            <div>
              {t('viewer.series')} {current.number ?? seriesIndex + 1} · {current.modality}
              {current.description ? ` · ${current.description}` : ''}
            </div>
            <div data-testid="viewer-position">
              {t('viewer.image')} {position + 1} / {current.images.length}
            </div>
          </div>
          <div className="imaging-overlay" style={{ right: 8, top: 6, textAlign: 'right' }}>
            <div data-testid="viewer-window">
              {shownWindow
                ? `W ${Math.round(shownWindow.width)}  L ${Math.round(shownWindow.center)}`
                : t('viewer.headerWindow')}
            </div>
            <div>{t('viewer.zoom', { percent: Math.round(scale * 100) })}</div>
          </div>
          {(shown?.url !== url || frameError) && (
            <div className="imaging-overlay" style={{ left: 8, bottom: 6 }}>
              {frameError ? `⚠ ${frameError}` : <Spin size="small" />}
            </div>
          )}
        </div>
      </div>
    </div>
  );
}

function SeriesThumb({
  study,
  series,
  cache,
  active,
  index,
  onSelect,
}: {
  study: string;
  series: ViewerSeries;
  cache: FrameCache;
  active: boolean;
  index: number;
  onSelect: () => void;
}) {
  const { t } = useTranslation('imaging');
  const middle = series.images[Math.floor(series.images.length / 2)];
  const [src, setSrc] = useState<string>();
  useEffect(() => {
    if (!middle) return;
    let live = true;
    cache.get(renderedUrl(study, middle)).then(
      (url) => live && setSrc(url),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [cache, study, middle]);
  return (
    <div
      className={`imaging-series-item${active ? ' active' : ''}`}
      data-testid={`series-thumb-${index}`}
      role="button"
      tabIndex={0}
      onClick={onSelect}
      onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && onSelect()}
    >
      {src ? <img src={src} alt="" /> : <div className="imaging-series-thumb-empty" />}
      <div>
        {series.modality} #{series.number ?? index + 1}
      </div>
      <div>{t('viewer.imageCount', { count: series.images.length })}</div>
    </div>
  );
}
