import { api } from '../../api';

/** DICOM JSON (PS3.18 F.2): tag → { vr, Value }. */
type DicomJson = Record<string, { vr?: string; Value?: unknown[] } | undefined>;

const TAG = {
  Modality: '00080060',
  SeriesDescription: '0008103E',
  SeriesInstanceUID: '0020000E',
  SeriesNumber: '00200011',
  SOPInstanceUID: '00080018',
  InstanceNumber: '00200013',
  NumberOfFrames: '00280008',
  Rows: '00280010',
  Columns: '00280011',
} as const;

/** One image to show: a frame of an instance (1-based, as WADO-RS numbers them). */
export interface ViewerImage {
  series: string;
  instance: string;
  frame: number;
  rows?: number;
  columns?: number;
}

export interface ViewerSeries {
  uid: string;
  number?: number;
  modality: string;
  description?: string;
  images: ViewerImage[];
}

/** A window in the pixel values after the modality rescale (Hounsfield units for CT). */
export interface WindowLevel {
  center: number;
  width: number;
}

function first(json: DicomJson, tag: string): unknown {
  return json[tag]?.Value?.[0];
}

function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

function number(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/**
 * A study's series and images from QIDO-RS (one search for all its instances, with their series):
 * series by number, images by instance number, each frame of a multi-frame instance an image.
 */
export async function loadStudy(studyUid: string, signal?: AbortSignal): Promise<ViewerSeries[]> {
  const instances = await api<DicomJson[]>(`/dicomweb/studies/${studyUid}/instances?limit=1000`, {
    headers: { accept: 'application/dicom+json' },
    signal,
  });
  const series = new Map<string, ViewerSeries & { sorted: Array<[number, ViewerImage[]]> }>();
  for (const json of instances) {
    const uid = text(first(json, TAG.SeriesInstanceUID));
    const instance = text(first(json, TAG.SOPInstanceUID));
    if (!uid || !instance) continue;
    let entry = series.get(uid);
    if (!entry) {
      entry = {
        uid,
        number: number(first(json, TAG.SeriesNumber)),
        modality: text(first(json, TAG.Modality)),
        description: text(first(json, TAG.SeriesDescription)) || undefined,
        images: [],
        sorted: [],
      };
      series.set(uid, entry);
    }
    const frames = number(first(json, TAG.NumberOfFrames)) ?? 1;
    const rows = number(first(json, TAG.Rows));
    const columns = number(first(json, TAG.Columns));
    entry.sorted.push([
      number(first(json, TAG.InstanceNumber)) ?? Number.MAX_SAFE_INTEGER,
      Array.from({ length: frames }, (_, i) => ({
        series: uid,
        instance,
        frame: i + 1,
        rows,
        columns,
      })),
    ]);
  }
  return [...series.values()]
    .sort((a, b) => (a.number ?? 1e9) - (b.number ?? 1e9))
    .map(({ sorted, ...entry }) => ({
      ...entry,
      images: sorted.sort((a, b) => a[0] - b[0]).flatMap(([, images]) => images),
    }));
}

/** WADO-RS rendered frame (PNG), in a window when one is given, else the header's. */
export function renderedUrl(study: string, image: ViewerImage, window?: WindowLevel): string {
  const base = `/dicomweb/studies/${study}/series/${image.series}/instances/${image.instance}/frames/${image.frame}/rendered`;
  return window ? `${base}?window=${Math.round(window.center)},${Math.round(window.width)}` : base;
}

/**
 * Rendered frames fetched with the reader's token and kept as blob: URLs (the CSP allows them
 * for images) while the viewer is open; each is fetched once however often it is asked for.
 */
export class FrameCache {
  private readonly frames = new Map<string, Promise<string>>();
  private readonly urls = new Set<string>();

  get(url: string): Promise<string> {
    let frame = this.frames.get(url);
    if (!frame) {
      frame = api<Blob>(url, { as: 'blob', headers: { accept: 'image/png' } }).then((blob) => {
        const objectUrl = URL.createObjectURL(blob);
        this.urls.add(objectUrl);
        return objectUrl;
      });
      // A failed fetch is not kept: the next look asks again.
      frame.catch(() => this.frames.delete(url));
      this.frames.set(url, frame);
      // Keep the newest few hundred frames.
      if (this.frames.size > 400) {
        const oldest = this.frames.keys().next().value;
        if (oldest) this.drop(oldest);
      }
    }
    return frame;
  }

  private drop(url: string): void {
    const frame = this.frames.get(url);
    this.frames.delete(url);
    void frame?.then(
      (objectUrl) => {
        URL.revokeObjectURL(objectUrl);
        this.urls.delete(objectUrl);
      },
      () => undefined,
    );
  }

  /** Frees every frame (the viewer closes). */
  clear(): void {
    for (const objectUrl of this.urls) URL.revokeObjectURL(objectUrl);
    this.urls.clear();
    this.frames.clear();
  }
}
