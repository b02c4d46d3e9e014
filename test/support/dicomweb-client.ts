import { randomUUID } from 'node:crypto';
import * as Multipart from 'multipasta';

/** One part of a multipart/related message. */
export interface Part {
  contentType: string;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** A multipart/related body of DICOM instances, as a modality gateway sends to STOW-RS. */
export function multipartRelated(
  parts: Array<{ body: Buffer; contentType?: string }>,
  type = 'application/dicom',
): { body: Buffer; contentType: string } {
  const boundary = `hub-${randomUUID()}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Type: ${part.contentType ?? type}\r\n\r\n`),
      part.body,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    body: Buffer.concat(chunks),
    contentType: `multipart/related; type="${type}"; boundary=${boundary}`,
  };
}

/** Splits a multipart response (WADO-RS retrieve, frames) into its parts. */
export function parseMultipart(body: Buffer, contentType: string): Promise<Part[]> {
  return new Promise((resolve, reject) => {
    const parts: Part[] = [];
    const parser = Multipart.make({
      headers: { 'content-type': contentType },
      isFile: () => true,
      maxPartSize: Number.MAX_SAFE_INTEGER,
      maxTotalSize: Number.MAX_SAFE_INTEGER,
      onField: () => undefined,
      onFile: (info) => {
        const chunks: Buffer[] = [];
        return (chunk) => {
          if (chunk === null)
            parts.push({
              contentType: info.contentType,
              headers: info.headers,
              body: Buffer.concat(chunks),
            });
          else chunks.push(Buffer.from(chunk));
        };
      },
      onError: (error) => reject(new Error(`multipart: ${error._tag}`)),
      onDone: () => resolve(parts),
    });
    parser.write(body);
    parser.end();
  });
}

/** A DICOMweb client over fetch with a bearer token (the gateway's `/dicomweb`). */
export class DicomwebClient {
  constructor(
    private readonly base: string,
    private readonly token: string,
  ) {}

  /** STOW-RS: stores the instances; answers the status and the DICOM JSON response. */
  async store(
    instances: Array<{ body: Buffer; contentType?: string }>,
    study?: string,
  ): Promise<{ status: number; json: Record<string, { vr: string; Value?: unknown[] }> }> {
    const { body, contentType } = multipartRelated(instances);
    const response = await fetch(`${this.base}/studies${study ? `/${study}` : ''}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${this.token}`,
        'content-type': contentType,
        accept: 'application/dicom+json',
      },
      body,
    });
    const text = await response.text();
    return {
      status: response.status,
      json: text ? (JSON.parse(text) as Record<string, { vr: string; Value?: unknown[] }>) : {},
    };
  }

  /** QIDO-RS: the matches as DICOM JSON. */
  async search(
    path: string,
  ): Promise<{ status: number; json: Array<Record<string, { Value?: unknown[] }>> }> {
    const response = await fetch(`${this.base}/${path}`, {
      headers: { authorization: `Bearer ${this.token}`, accept: 'application/dicom+json' },
    });
    const text = await response.text();
    return {
      status: response.status,
      json: text ? (JSON.parse(text) as Array<Record<string, { Value?: unknown[] }>>) : [],
    };
  }

  /** WADO-RS: a raw GET with an Accept header. */
  async get(
    path: string,
    accept: string,
  ): Promise<{ status: number; contentType: string; body: Buffer }> {
    const response = await fetch(`${this.base}/${path}`, {
      headers: { authorization: `Bearer ${this.token}`, accept },
    });
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      body: Buffer.from(await response.arrayBuffer()),
    };
  }
}

/** A DICOM JSON attribute's first value. */
export function first(json: Record<string, { Value?: unknown[] }>, tag: string): unknown {
  return json[tag]?.Value?.[0];
}
