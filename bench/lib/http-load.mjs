// HTTP load for the FHIR intake benchmark and its HTTP baseline, over undici keep-alive pools:
// a closed loop (N clients, each sends a request and waits for the whole answer before the next,
// for a fixed time) and an open loop (requests sent on a fixed schedule whatever the answers do,
// latency from the SCHEDULED send time, so a slow answer delays nobody's clock: no coordinated
// omission).
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { percentile } from './report.mjs';

const REQUEST_TIMEOUT_MS = 30_000;
/**
 * An open loop gives up when this many seconds of its offered requests are unanswered: the hub is
 * overloaded and the rest of the schedule would only add waiting (and minutes of draining).
 */
export const MAX_BACKLOG_SECONDS = 5;

/** An empty phase result; `problems` counts each distinct problem. */
function phaseResult() {
  return { requests: 0, ok: 0, errors: 0, latencies: [], problems: new Map(), elapsedMs: 0 };
}

function problem(result, text) {
  result.errors++;
  result.problems.set(text, (result.problems.get(text) ?? 0) + 1);
}

/** A keep-alive pool of `connections` connections to 127.0.0.1:`port`, one request at a time each. */
export function openPool(port, connections) {
  return new Pool(`http://127.0.0.1:${port}`, {
    connections,
    pipelining: 1,
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
  });
}

/**
 * POSTs one request (`{ path, headers, body }`, other fields are the caller's) and judges its answer with
 * `judge(status, text, request)` (a problem text, or undefined when right). Adds to `result` and
 * returns the latency in ms from `startedAt` (performance.now()) to the whole answer read.
 */
async function send(pool, request, judge, result, startedAt, signal) {
  if (signal?.aborted) return;
  result.requests++;
  try {
    const { path, headers, body: payload } = request;
    const { statusCode, body } = await pool.request({
      method: 'POST',
      path,
      headers,
      body: payload,
    });
    const text = await body.text();
    const latency = performance.now() - startedAt;
    result.latencies.push(latency);
    const wrong = judge(statusCode, text, request);
    if (wrong) problem(result, wrong);
    else result.ok++;
  } catch (error) {
    if (!signal?.aborted) problem(result, error.message);
  }
}

/**
 * Runs `phase()`; an interruption meanwhile destroys the pool, which fails the requests under way
 * at once (one listener per phase, not one per request).
 */
async function abortable(pool, signal, phase) {
  const destroy = () => void pool.destroy().catch(() => undefined);
  signal?.addEventListener('abort', destroy, { once: true });
  try {
    return await phase();
  } finally {
    signal?.removeEventListener('abort', destroy);
  }
}

/**
 * Closed loop: `clients` clients over one pool of as many connections, each sending
 * `makeRequest()`, waiting for the whole answer, then
 * sending the next, until `seconds` have passed. Latency from sending to the whole answer read.
 */
export function closedLoop({ pool, clients, seconds, makeRequest, judge, signal }) {
  return abortable(pool, signal, async () => {
    const result = phaseResult();
    const started = performance.now();
    const deadline = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (performance.now() < deadline && !signal?.aborted) {
          const request = makeRequest();
          await send(pool, request, judge, result, performance.now(), signal);
        }
      }),
    );
    result.elapsedMs = performance.now() - started;
    return result;
  });
}

/**
 * Open loop: `rate` requests a second for `seconds`, the i-th scheduled at start + i / rate,
 * whatever the earlier answers do (the pool queues a request when all its connections are busy).
 * Latency from the scheduled time to the whole answer read. A request still unanswered when the
 * schedule ends is awaited (at most the request time-out). When more than MAX_BACKLOG_SECONDS of
 * requests are unanswered the rest of the schedule is not sent: `overloaded` says when and how many.
 */
export function openLoop({ pool, rate, seconds, makeRequest, judge, signal }) {
  return abortable(pool, signal, async () => {
    const result = phaseResult();
    const total = Math.round(rate * seconds);
    const intervalMs = 1000 / rate;
    const inFlight = [];
    const started = performance.now();
    let issued = 0;
    let pending = 0;
    const maxPending = Math.max(1, Math.round(rate * MAX_BACKLOG_SECONDS));
    while (issued < total && !signal?.aborted) {
      const now = performance.now();
      if (pending > maxPending) {
        result.overloaded = { afterMs: now - started, pending, unsent: total - issued };
        break;
      }
      // Every request whose time has come is sent now, stamped with its own scheduled time.
      while (issued < total && started + issued * intervalMs <= now) {
        const scheduledAt = started + issued * intervalMs;
        pending++;
        inFlight.push(
          send(pool, makeRequest(), judge, result, scheduledAt, signal).finally(() => pending--),
        );
        issued++;
      }
      const wait = started + issued * intervalMs - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 10)));
      else await new Promise((resolve) => setImmediate(resolve));
    }
    result.scheduleMs = performance.now() - started;
    await Promise.all(inFlight);
    result.elapsedMs = performance.now() - started;
    return result;
  });
}

/** Requests/s, p50/p99/max (ms) of a phase; `rate` counts answered-right requests only. */
export function figures(phase) {
  const sorted = Float64Array.from(phase.latencies).sort();
  return {
    requests: phase.requests,
    ok: phase.ok,
    errors: phase.errors,
    rate: phase.elapsedMs ? phase.ok / (phase.elapsedMs / 1000) : 0,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}
