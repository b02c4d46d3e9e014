import { type Request } from 'express';
import { type ImagingConfig } from '../imaging-config';

/** The public addresses of the archive's resources, for RetrieveURL and BulkDataURI. */
export interface DicomwebUrls {
  study(study: string): string;
  series(study: string, series: string): string;
  instance(study: string, series: string, sop: string): string;
  bulkData(study: string, series: string, sop: string, tag: string): string;
}

/**
 * The archive as the caller reaches it: PUBLIC_URL when configured, else the address the gateway
 * says it was called at (X-Forwarded-Proto/-Host), else this request's Host. The gateway proxies
 * `/dicomweb/*` to the same path here.
 */
export function dicomwebUrls(config: ImagingConfig, request: Request): DicomwebUrls {
  const forwarded = (name: string) => {
    const value = request.headers[name];
    return (Array.isArray(value) ? value[0] : value)?.split(',')[0].trim() || undefined;
  };
  const origin =
    config.PUBLIC_URL ??
    `${forwarded('x-forwarded-proto') ?? request.protocol}://${forwarded('x-forwarded-host') ?? request.headers.host ?? 'localhost'}`;
  const base = `${origin}/dicomweb`;
  const study = (st: string) => `${base}/studies/${st}`;
  const series = (st: string, se: string) => `${study(st)}/series/${se}`;
  const instance = (st: string, se: string, sop: string) => `${series(st, se)}/instances/${sop}`;
  return {
    study,
    series,
    instance,
    bulkData: (st, se, sop, tag) => `${instance(st, se, sop)}/bulkdata/${tag}`,
  };
}
