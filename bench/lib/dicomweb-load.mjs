// The DICOMweb clients: STOW-RS ingest by N concurrent clients, each sending whole studies in
// multipart/related requests of a fixed number of instances, and QIDO-RS searches by one client,
// one at a time. Both speak plain HTTP on 127.0.0.1 with Node's fetch, the same to every server.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';

const DICOM_JSON = 'application/dicom+json';
/** Tags read from a STOW-RS answer (PS3.18 Table 10.5.3-1). */
const FAILED_SOP_SEQUENCE = '00081198';
const REFERENCED_SOP_SEQUENCE = '00081199';
const FAILURE_REASON = '00081197';
/** The hub's private FailureDescription (an explanation in words; other servers have none). */
const HUB_FAILURE_DESCRIPTION = '00091001';

/** A multipart/related body of `files`, each an application/dicom part. */
function multipartRelated(files) {
  const boundary = `bench-${randomUUID()}`;
  const chunks = [];
  for (const file of files)
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`, 'latin1'),
      file,
      Buffer.from('\r\n', 'latin1'),
    );
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  return {
    body: Buffer.concat(chunks),
    contentType: `multipart/related; type="application/dicom"; boundary=${boundary}`,
  };
}

const items = (json, tag) => (Array.isArray(json?.[tag]?.Value) ? json[tag].Value : []);

/**
 * What one STOW-RS answer says about the `sent` instances: how many stored and failed, and the
 * problems in words. Anything but 200, a FailedSOPSequence item, or an instance the answer does
 * not mention counts as a failure.
 */
function stowOutcome(status, text, sent) {
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const failed = items(json, FAILED_SOP_SEQUENCE);
  const stored = items(json, REFERENCED_SOP_SEQUENCE).length;
  const problems = failed.map((item) => {
    const reason = items(item, FAILURE_REASON)[0];
    const why = items(item, HUB_FAILURE_DESCRIPTION)[0];
    return `HTTP ${status}, FailureReason ${reason === undefined ? '?' : `0x${Number(reason).toString(16).toUpperCase()}`}${why ? `: ${why}` : ''}`;
  });
  if (status !== 200 && !failed.length) {
    // No per-instance answer: the whole request failed (or an unexpected status with stored ones).
    const detail = json ? '' : `: ${text.replace(/\s+/g, ' ').slice(0, 200)}`;
    return { stored: 0, failed: sent, problems: [`HTTP ${status}${detail}`] };
  }
  const unanswered = Math.max(0, sent - stored - failed.length);
  if (unanswered) problems.push(`HTTP ${status}: instances missing from the answer`);
  return { stored, failed: failed.length + unanswered, problems };
}

/**
 * Sends every study of `plan` to `${baseUrl}/studies`, `clients` requests at a time. A client
 * takes the next study and sends its instances in requests of `batch` (a study is never split
 * over clients, as a modality sends it over one association). `headers` go with each request
 * (authorization). Stops taking studies after `maxSeconds` or when `signal` aborts.
 * Returns counts, bytes (of the DICOM files), wall time, request latencies and problems.
 */
export async function runStow({
  baseUrl,
  headers = {},
  plan,
  fileOf,
  clients,
  batch,
  requestTimeoutMs = 120_000,
  maxSeconds,
  signal,
  onProgress,
}) {
  const result = {
    instances: 0,
    stored: 0,
    failed: 0,
    requests: 0,
    failedRequests: 0,
    bytes: 0,
    latencies: [],
    problems: new Map(),
    stoppedAt: undefined,
  };
  const problem = (text, count = 1) =>
    result.problems.set(text, (result.problems.get(text) ?? 0) + count);
  let next = 0;
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;

  async function send(files) {
    const { body, contentType } = multipartRelated(files);
    const sentAt = performance.now();
    try {
      const response = await fetch(`${baseUrl}/studies`, {
        method: 'POST',
        headers: { ...headers, 'content-type': contentType, accept: DICOM_JSON },
        body,
        signal: AbortSignal.any([signal, AbortSignal.timeout(requestTimeoutMs)].filter(Boolean)),
      });
      const text = await response.text();
      result.latencies.push(performance.now() - sentAt);
      const outcome = stowOutcome(response.status, text, files.length);
      if (response.status !== 200) result.failedRequests++;
      result.stored += outcome.stored;
      result.failed += outcome.failed;
      for (const text of outcome.problems) problem(text);
    } catch (error) {
      if (signal?.aborted) return;
      result.failedRequests++;
      result.failed += files.length;
      problem(
        error.name === 'TimeoutError' ? `no answer within ${requestTimeoutMs} ms` : error.message,
      );
    }
  }

  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < plan.studies.length && !signal?.aborted) {
        if (performance.now() > deadline) {
          result.stoppedAt ??= `at the ${maxSeconds / 60} min time limit`;
          return;
        }
        const study = plan.studies[next++];
        for (let first = 0; first < study.count && !signal?.aborted; first += batch) {
          const count = Math.min(batch, study.count - first);
          const files = await Promise.all(
            Array.from({ length: count }, (_, k) => readFile(fileOf(study, first + k))),
          );
          result.instances += count;
          result.requests++;
          result.bytes += files.reduce((sum, file) => sum + file.length, 0);
          await send(files);
        }
        onProgress?.(result, performance.now() - started);
      }
    }),
  );
  result.elapsedMs = performance.now() - started;
  return result;
}

/**
 * Runs each query of `queries` (`{ label, strings }`) against `${baseUrl}/studies?…`, one request
 * at a time, after `warmup` unmeasured requests of each. Latency: from sending the request to
 * having read the whole answer. Returns per query the latencies, the number of matches of each
 * request (to compare servers), errors and problems.
 */
export async function runQido({
  baseUrl,
  headers = {},
  queries,
  warmup = 5,
  requestTimeoutMs = 30_000,
  signal,
}) {
  const search = async (query) => {
    const sentAt = performance.now();
    const response = await fetch(`${baseUrl}/studies?${query}`, {
      headers: { ...headers, accept: DICOM_JSON },
      signal: AbortSignal.any([signal, AbortSignal.timeout(requestTimeoutMs)].filter(Boolean)),
    });
    const text = await response.text();
    const elapsed = performance.now() - sentAt;
    if (response.status !== 200)
      throw new Error(`HTTP ${response.status}: ${text.replace(/\s+/g, ' ').slice(0, 200)}`);
    const json = JSON.parse(text || '[]');
    return { elapsed, matches: Array.isArray(json) ? json.length : NaN };
  };

  const results = [];
  for (const { label, strings } of queries) {
    const result = { label, latencies: [], matches: [], errors: 0, problems: new Map() };
    // Warm-up: the last few of the list, not counted.
    for (const query of strings.slice(-warmup)) {
      if (signal?.aborted) break;
      await search(query).catch(() => undefined);
    }
    for (const query of strings) {
      if (signal?.aborted) break;
      try {
        const { elapsed, matches } = await search(query);
        result.latencies.push(elapsed);
        result.matches.push(matches);
      } catch (error) {
        if (signal?.aborted) break;
        result.errors++;
        result.matches.push(NaN);
        const text =
          error.name === 'TimeoutError' ? `no answer within ${requestTimeoutMs} ms` : error.message;
        result.problems.set(text, (result.problems.get(text) ?? 0) + 1);
      }
    }
    results.push(result);
  }
  return results;
}
