// The ECG benchmark's HTTP side: the bare Express echo server (the framework baseline), the ECG
// orders the uploads need (FHIR transaction Bundles, as a clinic places them, each waited on until
// the ECG centre has accepted it), the uploads by N concurrent clients, and what the hub stored.
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { residentId } from './orders.mjs';
import { keepOutput, stopProcess } from './processes.mjs';

/** The demo clinic system the orders and uploads come from. */
const CLIENT = { client_id: 'clinic-a', client_secret: 'clinic-a-secret' };
const ECG_CODE = { system: 'http://loinc.org', code: '11524-6' };
const RESIDENT_ID_SYSTEM = 'urn:oid:2.16.156.10011.1.3';
const PLAC = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'PLAC' }],
};
/** Orders placed at a time; their creation is not timed. */
const ORDER_CONCURRENCY = 8;
const ACCEPT_TIMEOUT_MS = 120_000;
const POLL_MS = 200;
const REQUEST_TIMEOUT_MS = 120_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const oneLine = (text, max = 300) => text.replace(/\s+/g, ' ').slice(0, max);

/** Starts bench/lib/ecg-echo-server.mjs and resolves once it says which port it listens on. */
export function startEcgEchoServer() {
  const script = fileURLToPath(new URL('./ecg-echo-server.mjs', import.meta.url));
  const child = spawn(process.execPath, [script, '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = keepOutput(child);
  return new Promise((resolve, reject) => {
    const onExit = (code) =>
      reject(new Error(`the ECG echo server exited with ${code}: ${output.join('\n')}`));
    child.once('exit', onExit);
    child.stdout.on('data', () => {
      const port = output.map((line) => /^listening (\d+)$/.exec(line)?.[1]).find(Boolean);
      if (!port) return;
      child.off('exit', onExit);
      resolve({ port: Number(port), stop: () => stopProcess(child) });
    });
  });
}

/** A bearer token for the demo clinic system `clinic-a` (client credentials). */
export async function clinicToken(gateway) {
  const response = await fetch(`${gateway}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...CLIENT }),
  });
  const body = await response.json().catch(() => ({}));
  if (response.status !== 200 || !body.access_token)
    throw new Error(
      `the gateway gave no token for ${CLIENT.client_id}: HTTP ${response.status} ${JSON.stringify(body)}`,
    );
  return `Bearer ${body.access_token}`;
}

/** A transaction Bundle: a new patient and a 12-lead ECG order for them from CLINIC-A. */
function orderBundle(seq, placer) {
  const patientUrl = `urn:uuid:${randomUUID()}`;
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: patientUrl,
        resource: {
          resourceType: 'Patient',
          identifier: [{ system: RESIDENT_ID_SYSTEM, value: residentId(seq) }],
          name: [{ family: '王', given: ['小明'], text: '王小明' }],
          gender: 'female', // residentId(): even sequence digits
          birthDate: `${residentId(seq).slice(6, 10)}-${residentId(seq).slice(10, 12)}-${residentId(seq).slice(12, 14)}`,
        },
        request: { method: 'POST', url: 'Patient' },
      },
      {
        fullUrl: `urn:uuid:${randomUUID()}`,
        resource: {
          resourceType: 'ServiceRequest',
          status: 'active',
          intent: 'order',
          priority: 'routine',
          identifier: [{ type: PLAC, system: 'urn:hub:placer:CLINIC-A', value: placer }],
          code: { coding: [ECG_CODE] },
          subject: { reference: patientUrl },
          requester: { reference: 'Organization/clinic-a' },
        },
        request: { method: 'POST', url: 'ServiceRequest' },
      },
    ],
  };
}

/** Places one ECG order; returns the ServiceRequest's id. */
async function placeOrder(gateway, authorization, seq, placer, signal) {
  const response = await fetch(`${gateway}/fhir`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/fhir+json' },
    body: JSON.stringify(orderBundle(seq, placer)),
    signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)].filter(Boolean)),
  });
  const text = await response.text();
  if (response.status !== 200)
    throw new Error(
      `the ECG order ${placer} was refused: HTTP ${response.status} ${oneLine(text)}`,
    );
  const entry = JSON.parse(text).entry?.find(
    (e) =>
      e.resource?.resourceType === 'ServiceRequest' ||
      e.response?.location?.startsWith('ServiceRequest/'),
  );
  const id = entry?.resource?.id ?? entry?.response?.location?.split('/')[1];
  if (!id) throw new Error(`the answer to the ECG order ${placer} names no ServiceRequest`);
  return id;
}

/** Waits until the order's Task is `accepted` (the ECG centre has the order). */
async function awaitAccepted(gateway, authorization, orderId, signal) {
  const deadline = Date.now() + ACCEPT_TIMEOUT_MS;
  let status;
  while (!signal?.aborted) {
    const response = await fetch(
      `${gateway}/fhir/Task?based-on=${encodeURIComponent(`ServiceRequest/${orderId}`)}`,
      { headers: { authorization }, signal },
    );
    const text = await response.text();
    if (response.status !== 200)
      throw new Error(
        `searching the Task of ServiceRequest/${orderId}: HTTP ${response.status} ${oneLine(text)}`,
      );
    status = JSON.parse(text).entry?.[0]?.resource?.status;
    if (status === 'accepted') return;
    if (status && !['requested', 'received', 'ready', 'draft'].includes(status))
      throw new Error(`the Task of ServiceRequest/${orderId} went to "${status}", not "accepted"`);
    if (Date.now() > deadline)
      throw new Error(
        `the Task of ServiceRequest/${orderId} was not accepted within ${ACCEPT_TIMEOUT_MS / 1000} s ` +
          `(status: ${status ?? 'no Task yet'})`,
      );
    await sleep(POLL_MS);
  }
}

/**
 * Places `count` ECG orders (placer numbers `${placerPrefix}<n>`), 8 at a time, and waits for the
 * ECG centre to accept each. Returns the ServiceRequest ids, in order; the first failure throws.
 */
export async function placeEcgOrders({
  gateway,
  authorization,
  count,
  placerPrefix,
  signal,
  onProgress,
}) {
  const ids = new Array(count);
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: Math.min(ORDER_CONCURRENCY, count) }, async () => {
      while (next < count && !signal?.aborted) {
        const seq = next++;
        const id = await placeOrder(gateway, authorization, seq, `${placerPrefix}${seq}`, signal);
        await awaitAccepted(gateway, authorization, id, signal);
        ids[seq] = id;
        onProgress?.(++done);
      }
    }),
  );
  if (signal?.aborted) throw new Error('interrupted');
  return ids;
}

/**
 * Posts every recording's file to `url(recording)` as `application/dicom`, `clients` requests at
 * a time (each client sends one, waits for the answer, then takes the next). `check(recording,
 * json)` says what is wrong with a 201 answer: `{ mismatch }` for a wrong measurement, `{ error }`
 * for an unusable answer. Anything but 201 is an error. Latency: from sending the request to
 * having read the whole answer.
 */
export async function runUploads({ recordings, url, headers = {}, clients, check, signal }) {
  const result = {
    recordings: 0,
    ok: 0,
    errors: 0,
    mismatches: 0,
    latencies: [],
    problems: new Map(),
    mismatchExamples: [],
  };
  const problem = (text) => {
    result.errors++;
    result.problems.set(text, (result.problems.get(text) ?? 0) + 1);
  };
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(clients, recordings.length) }, async () => {
      while (next < recordings.length && !signal?.aborted) {
        const recording = recordings[next++];
        result.recordings++;
        const sentAt = performance.now();
        try {
          const response = await fetch(url(recording), {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/dicom' },
            body: recording.file,
            signal: AbortSignal.any(
              [signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)].filter(Boolean),
            ),
          });
          const text = await response.text();
          result.latencies.push(performance.now() - sentAt);
          if (response.status !== 201) {
            problem(`HTTP ${response.status}: ${oneLine(text)}`);
            continue;
          }
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            problem(`HTTP 201 with no JSON: ${oneLine(text, 100)}`);
            continue;
          }
          const verdict = check(recording, json) ?? {};
          if (verdict.error) problem(verdict.error);
          else {
            result.ok++;
            if (verdict.mismatch) {
              result.mismatches++;
              if (result.mismatchExamples.length < 5)
                result.mismatchExamples.push(verdict.mismatch);
            }
          }
        } catch (error) {
          if (signal?.aborted) break;
          problem(
            error.name === 'TimeoutError'
              ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`
              : `${error.message}${error.cause ? ` (${error.cause.message ?? error.cause})` : ''}`,
          );
        }
      }
    }),
  );
  result.elapsedMs = performance.now() - started;
  return result;
}

/** How many recordings the ECG centre stored, and how many of them it could measure. */
export async function storedRecordings(databaseUrl) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT count(*)::int AS stored, count(measurement)::int AS measured FROM ecg.recording`,
    );
    return rows[0];
  } finally {
    await client.end();
  }
}
