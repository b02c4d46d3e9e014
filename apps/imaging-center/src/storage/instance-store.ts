import { type Readable } from 'node:stream';

/**
 * Where the archive keeps DICOM instances, byte for byte as received. Keys are
 * `<study>/<series>/<sop>.dcm` ({@link instanceKey}). An instance arrives as a staged file (written
 * completely first) and is put in place in one step, so a reader never sees half a file. The
 * filesystem store is the one there is; an S3-compatible store would implement the same interface.
 */
export interface InstanceStore {
  /** A fresh path to write an upload to before {@link put} takes it (on the store's filesystem). */
  stagingPath(): string;
  /** Moves a completely written staged file in place under `key`, replacing a stray one. */
  put(key: string, stagedFile: string): Promise<void>;
  /** Removes a staged file that will not be put (missing already is fine). */
  discardStaged(stagedFile: string): Promise<void>;
  read(key: string): Promise<Buffer>;
  /** The stored bytes as a stream (an error on the stream when the key is missing). */
  openReadStream(key: string): Readable;
  size(key: string): Promise<number>;
  /** Removes an instance (missing already is fine). */
  delete(key: string): Promise<void>;
}

/** Injection token of the {@link InstanceStore}. */
export const INSTANCE_STORE = Symbol('INSTANCE_STORE');

/** A DICOM UID: digits in dot-separated components, at most 64 characters (PS3.5 9.1). */
export const UID_PATTERN = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;

export function isUid(value: string): boolean {
  return value.length <= 64 && UID_PATTERN.test(value);
}

/** The storage key of an instance. UIDs are checked, so a key never leaves its directory. */
export function instanceKey(study: string, series: string, sop: string): string {
  for (const uid of [study, series, sop])
    if (!isUid(uid)) throw new Error(`not a DICOM UID: ${JSON.stringify(uid)}`);
  return `${study}/${series}/${sop}.dcm`;
}
