// The load: N persistent connections, each sending one message and waiting for its ACK before the
// next (as a HIS does), first a warm-up that is not counted, then the measured run.
import { performance } from 'node:perf_hooks';
import { MllpConnection } from './mllp.mjs';

/**
 * Drives the MLLP server on `port`. `makeMessage(seq)` returns `{ payload, controlId }` for the
 * seq-th message of the run (seq counts across warm-up and measurement, so every message differs);
 * `checkAck(ack, controlId)` returns a problem or undefined.
 * Returns the warm-up and measured phases and `sent`, the number of messages written in total.
 */
export async function runLoad({
  port,
  connections,
  warmup,
  messages,
  ackTimeoutMs,
  maxSeconds,
  makeMessage,
  checkAck,
  signal,
}) {
  let seq = 0;
  const slots = await Promise.all(
    Array.from({ length: connections }, async () => ({
      connection: await MllpConnection.open(port),
    })),
  );

  // On interruption, closing the sockets fails the outstanding requests at once.
  const closeAll = () => slots.forEach((slot) => slot.connection?.destroy());
  signal?.addEventListener('abort', closeAll, { once: true });

  async function phase(count, seconds) {
    const result = { messages: 0, ok: 0, latencies: [], problems: new Map(), stoppedAt: undefined };
    const problem = (text) => result.problems.set(text, (result.problems.get(text) ?? 0) + 1);
    const deadline = performance.now() + seconds * 1000;
    let issued = 0;
    const started = performance.now();
    const live = slots.filter((slot) => slot.connection);
    if (!live.length) result.stoppedAt = 'as no connection was left';
    await Promise.all(
      live.map(async (slot) => {
        // Connections share one counter, so a faster connection takes more of the messages.
        while (issued < count && !signal?.aborted) {
          if (performance.now() > deadline) {
            result.stoppedAt ??= `at the ${seconds} s time limit`;
            return;
          }
          issued++;
          const { payload, controlId } = makeMessage(seq++);
          result.messages++;
          const sentAt = performance.now();
          try {
            const ack = await slot.connection.request(payload, ackTimeoutMs);
            result.latencies.push(performance.now() - sentAt);
            const wrong = checkAck(ack, controlId);
            if (wrong) problem(wrong);
            else result.ok++;
          } catch (error) {
            if (signal?.aborted) return;
            problem(error.message);
            // A late ACK must not be taken for the next message's: start a fresh connection.
            slot.connection.destroy();
            try {
              slot.connection = await MllpConnection.open(port);
            } catch (reconnect) {
              slot.connection = undefined; // out of this and later phases
              problem(`reconnect failed: ${reconnect.message}`);
              result.stoppedAt ??= 'as a connection could not be reopened';
              return;
            }
          }
        }
      }),
    );
    result.elapsedMs = performance.now() - started;
    result.errors = result.messages - result.ok;
    return result;
  }

  try {
    const warm = await phase(warmup, Math.min(30, maxSeconds));
    const measured = await phase(messages, maxSeconds);
    return { warmup: warm, measured, sent: seq };
  } finally {
    signal?.removeEventListener('abort', closeAll);
    for (const slot of slots) slot.connection?.close();
  }
}

/**
 * Open loop over MLLP: `rate` messages a second for `seconds`, the i-th scheduled at start + i /
 * rate whatever the ACKs do, over `connections` persistent connections (one message outstanding
 * on each, as MLLP allows). A message whose time has come while every connection waits for an ACK
 * waits for the first free one. Latency: from the SCHEDULED send time to the whole ACK read, so a
 * slow ACK delays nobody's clock (no coordinated omission). `makeMessage(seq)` is called with
 * `firstSeq`, `firstSeq + 1`, … When more than `maxBacklogSeconds` of messages wait for a free
 * connection, those and the rest of the schedule are not sent (`overloaded`). Returns the phase
 * and `sent`.
 */
export async function runOfferedLoad({
  port,
  connections,
  rate,
  seconds,
  ackTimeoutMs,
  firstSeq = 0,
  maxBacklogSeconds = 5,
  makeMessage,
  checkAck,
  signal,
}) {
  const result = { messages: 0, ok: 0, latencies: [], problems: new Map(), stoppedAt: undefined };
  const problem = (text) => result.problems.set(text, (result.problems.get(text) ?? 0) + 1);
  const slots = await Promise.all(
    Array.from({ length: connections }, async () => ({
      connection: await MllpConnection.open(port),
    })),
  );
  const closeAll = () => slots.forEach((slot) => slot.connection?.destroy());
  signal?.addEventListener('abort', closeAll, { once: true });

  // Scheduled messages wait here for a free connection; an idle connection waits for the next.
  const due = [];
  const idle = [];
  let scheduleDone = false;
  const give = (item) => (idle.length ? idle.shift()(item) : due.push(item));
  const take = () =>
    due.length
      ? Promise.resolve(due.shift())
      : scheduleDone
        ? Promise.resolve(undefined)
        : new Promise((resolve) => idle.push(resolve));

  const worker = async (slot) => {
    for (;;) {
      const item = await take();
      if (!item || signal?.aborted) return;
      const { payload, controlId } = makeMessage(item.seq);
      result.messages++;
      try {
        const ack = await slot.connection.request(payload, ackTimeoutMs);
        result.latencies.push(performance.now() - item.scheduledAt);
        const wrong = checkAck(ack, controlId);
        if (wrong) problem(wrong);
        else result.ok++;
      } catch (error) {
        if (signal?.aborted) return;
        problem(error.message);
        slot.connection.destroy(); // a late ACK must not be taken for the next message's
        try {
          slot.connection = await MllpConnection.open(port);
        } catch (reconnect) {
          problem(`reconnect failed: ${reconnect.message}`);
          result.stoppedAt ??= 'as a connection could not be reopened';
          return;
        }
      }
    }
  };

  const total = Math.round(rate * seconds);
  const intervalMs = 1000 / rate;
  const started = performance.now();
  const workers = slots.map(worker);
  let issued = 0;
  try {
    while (issued < total && !signal?.aborted) {
      const now = performance.now();
      if (due.length > rate * maxBacklogSeconds) {
        // The messages still waiting for a connection were never written: they are dropped with
        // the rest of the schedule, so the phase ends with the ACKs under way.
        const pending = due.splice(0).length;
        result.overloaded = { afterMs: now - started, pending, unsent: total - issued + pending };
        break;
      }
      while (issued < total && started + issued * intervalMs <= now) {
        give({ seq: firstSeq + issued, scheduledAt: started + issued * intervalMs });
        issued++;
      }
      const wait = started + issued * intervalMs - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 10)));
      else await new Promise((resolve) => setImmediate(resolve));
    }
    result.scheduleMs = performance.now() - started;
    scheduleDone = true;
    idle.splice(0).forEach((resolve) => resolve(undefined));
    await Promise.all(workers);
  } finally {
    signal?.removeEventListener('abort', closeAll);
    for (const slot of slots) slot.connection?.close();
  }
  result.elapsedMs = performance.now() - started;
  result.errors = result.messages - result.ok;
  // Scheduled but never written (a connection lost, or interrupted): not sent, not stored.
  result.unsent = issued - result.messages;
  return { phase: result, sent: result.messages };
}
