// The result-to-clinic benchmark's three actors, all in the benchmark's process and on 127.0.0.1:
// - the lab analyser's middleware, sending ORU^R01 over MLLP at a fixed offered rate (open loop:
//   each result has its scheduled time, whatever the hub's answers do);
// - the clinic's HIS, an MLLP server the hub delivers reports to, noting when each arrives;
// - the clinic's FHIR client, asking for the final DiagnosticReports it still waits for.
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { FrameReader, MllpConnection, frame } from './mllp.mjs';

/** HL7 date/time of `date` in UTC+8 (the consortium's local time), to the second. */
function hl7Time(date = new Date()) {
  const local = new Date(date.getTime() + 8 * 3_600_000).toISOString();
  return `${local.slice(0, 19).replace(/[-T:]/g, '')}+0800`;
}

/**
 * An ORU^R01 as the lab's analyser middleware sends it (MSH-4 LAB): one order, its hub order
 * number in OBR-3, one final potassium of `value` mmol/L (inside the reference range 3.5–5.3, so
 * the lab's autoverification rule for hl7:LAB releases it without a person).
 */
export function resultMessage({ controlId, filler, value = 4.1 }) {
  const now = hl7Time();
  return Buffer.from(
    [
      `MSH|^~\\&|LIS|LAB|HUB|HUB|${now}||ORU^R01^ORU_R01|${controlId}|P|2.5.1|||||CHN|UNICODE UTF-8`,
      'PID|1||^^^^NNCHN',
      `OBR|1||${filler}|2823-3^Potassium^LN`,
      `OBX|1|NM|2823-3^Potassium^LN||${value}|mmol/L^^UCUM|||||F|||${now}`,
    ].join('\r'),
    'utf8',
  );
}

/** Field `n` of the first `name` segment of an HL7 message (text), component 1. */
function field(text, name, n) {
  const segment = text.split('\r').find((s) => s.startsWith(`${name}|`));
  if (!segment) return undefined;
  // MSH-1 is the field separator itself, so MSH fields are one further along.
  const index = name === 'MSH' ? n - 1 : n;
  return segment.split('|')[index]?.split('^')[0];
}

/**
 * Sends `items` (each `{ payload, controlId }`) to the MLLP server on `port` at `rate` a second:
 * item i is due `i / rate` s after the start, and is written then on an idle connection, or on a
 * new one while fewer than `maxConnections` are open (as more analysers would), else as soon as
 * one is free (its wait counts in its latency, which runs from the due time). Each connection
 * carries one message at a time and waits for its ACK. Sets on each item `dueAt`, `writtenAt`,
 * `ackAt` (performance.now() ms) and `problem` (from `checkAck(ack, controlId)`, a time-out or a
 * closed connection). Resolves when every item is answered or failed.
 */
export async function sendAtRate({
  port,
  items,
  rate,
  maxConnections,
  ackTimeoutMs,
  checkAck,
  signal,
}) {
  const idle = [];
  const waiting = [];
  let open = 0;
  const all = new Set();
  signal?.addEventListener('abort', () => all.forEach((connection) => connection.destroy()), {
    once: true,
  });
  const connect = async () => {
    open++;
    try {
      const connection = await MllpConnection.open(port);
      all.add(connection);
      return connection;
    } catch (error) {
      open--;
      throw error;
    }
  };
  // A few connections ready before the first result, as the analysers would have them open.
  for (let i = 0; i < Math.min(4, maxConnections); i++) idle.push(await connect());

  async function sendOn(connection, item) {
    for (let current = item; current && !signal?.aborted; current = waiting.shift()) {
      current.writtenAt = performance.now();
      try {
        const ack = await connection.request(current.payload, ackTimeoutMs);
        current.ackAt = performance.now();
        current.problem = checkAck(ack, current.controlId);
      } catch (error) {
        current.problem = error.message;
        // A late ACK must not be taken for the next message's: this connection is done.
        connection.destroy();
        all.delete(connection);
        open--;
        const next = waiting.shift();
        if (next) await dispatch(next);
        return;
      }
    }
    if (!signal?.aborted) idle.push(connection);
  }

  async function dispatch(item) {
    let connection = idle.pop();
    if (!connection && open < maxConnections) {
      try {
        connection = await connect();
      } catch (error) {
        item.problem = `connecting: ${error.message}`;
        return;
      }
    }
    if (!connection) waiting.push(item);
    else await sendOn(connection, item);
  }

  const started = performance.now();
  const sending = [];
  for (const [i, item] of items.entries()) {
    if (signal?.aborted) break;
    item.dueAt = started + (i * 1000) / rate;
    const wait = item.dueAt - performance.now();
    if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
    sending.push(dispatch(item));
  }
  await Promise.all(sending);
  // Items still waiting when the run was interrupted: never sent.
  for (const item of waiting) item.problem ??= 'not sent (interrupted)';
  for (const connection of all) connection.close();
  return { elapsedMs: performance.now() - started };
}

/**
 * The clinic's HIS: an MLLP server on a free loopback port that answers every message AA and
 * calls `onMessage({ type, placer, at })` with MSH-9, ORC-2 (the clinic's placer number) and the
 * arrival time (performance.now() ms, when the whole frame was read).
 */
export function startClinicReceiver(onMessage) {
  const sockets = new Set();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined); // the hub closing its end is not our failure
    socket.setNoDelay(true);
    const reader = new FrameReader();
    socket.on('data', (chunk) => {
      for (const message of reader.push(chunk)) {
        const at = performance.now();
        const text = message.toString('utf8');
        const type = field(text, 'MSH', 9) ?? '';
        const control = text.split('\r')[0].split('|')[9] ?? '';
        onMessage({ type, placer: field(text, 'ORC', 2), at });
        const ack = `MSH|^~\\&|HIS|CLINIC-A|HUB|HUB|${hl7Time()}||ACK|A${control}|P|2.5.1|||||CHN|UNICODE UTF-8\rMSA|AA|${control}`;
        socket.write(frame(Buffer.from(ack, 'utf8')));
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: server.address().port,
        stop: () =>
          new Promise((done) => {
            sockets.forEach((socket) => socket.destroy());
            server.close(() => done());
          }),
      }),
    );
  });
}

/**
 * The clinic's FHIR client: every `pollMs` (or at once when the last answer took longer) it asks
 * `GET /fhir/DiagnosticReport?based-on=ServiceRequest/<id>,…&status=final` for the oldest
 * `perRequest` orders it still waits for, and calls `onReadable(orderId, at, storedAt)` for each
 * final report, `at` being when the answer was read and `storedAt` the report's meta.lastUpdated
 * (both performance.now() ms). So each report crosses the wire once, and a
 * report is seen at most one polling interval plus one request after it became readable.
 * `waiting()` gives the order ids still waited for, oldest first. stop() ends it and answers the
 * number of requests, their total time and the problems seen.
 */
export function startClinicReader({
  fhirUrl,
  token,
  pollMs,
  perRequest = 100,
  waiting,
  onReadable,
}) {
  const stats = { requests: 0, busyMs: 0, problems: new Map() };
  let stopped = false;
  const problem = (text) => stats.problems.set(text, (stats.problems.get(text) ?? 0) + 1);
  const loop = (async () => {
    while (!stopped) {
      const started = performance.now();
      const ids = waiting().slice(0, perRequest);
      if (ids.length) {
        try {
          const basedOn = ids.map((id) => `ServiceRequest/${id}`).join(',');
          const response = await fetch(
            `${fhirUrl}/DiagnosticReport?based-on=${basedOn}&status=final&_count=${perRequest}`,
            { headers: { authorization: token, accept: 'application/fhir+json' } },
          );
          const body = await response.json();
          const at = performance.now();
          if (response.status !== 200)
            problem(`HTTP ${response.status}: ${JSON.stringify(body).slice(0, 200)}`);
          for (const entry of body.entry ?? []) {
            const orderId = entry.resource?.basedOn?.[0]?.reference?.split('/')[1];
            // When the hub wrote it, on this process's clock (same machine, same wall clock).
            const storedAt = Date.parse(entry.resource?.meta?.lastUpdated) - performance.timeOrigin;
            if (orderId) onReadable(orderId, at, storedAt);
          }
        } catch (error) {
          problem(error.message);
        }
        stats.requests++;
        stats.busyMs += performance.now() - started;
      }
      const rest = pollMs - (performance.now() - started);
      if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return stats;
    },
  };
}
