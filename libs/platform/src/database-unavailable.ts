/**
 * Telling "the database is away" apart from "this statement is wrong". The first is transient: an
 * HTTP API answers 503 with Retry-After, an MLLP listener an AR, a worker lets BullMQ retry. The
 * second is a bug or bad input and keeps its usual answer.
 */

/**
 * SQLSTATEs of a server that is not there for now: class 08 (connection exception), 57P01–57P03
 * (admin or crash shutdown, cannot connect now), 53300 (too many connections).
 */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300)$/;

/** Socket errors of a server that does not answer. */
const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'EAI_AGAIN',
]);

/** Messages of node-postgres and its pool for a lost or impossible connection. */
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly|the database system is (starting up|shutting down|in recovery mode)/i;

/**
 * The `code` a centre puts on its reply when a request failed because its database is unavailable,
 * so the gateway can answer 503 for it (request/reply messages carry plain objects).
 */
export const DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE';

/** Seconds a caller is told to wait (Retry-After) when the database is unavailable, by default. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/**
 * True when `error` (a TypeORM error, a node-postgres error, a socket error, or a centre's reply
 * error with code {@link DATABASE_UNAVAILABLE}, possibly wrapped) says PostgreSQL cannot be reached
 * or is shutting down, rather than that a statement failed.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length) {
    const current = queue.shift();
    if (!current || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const { code, message, driverError, cause, errors } = current as {
      code?: unknown;
      message?: unknown;
      driverError?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if (code === DATABASE_UNAVAILABLE) return true;
    if (typeof code === 'string') {
      if (UNAVAILABLE_SOCKET_CODES.has(code)) return true;
      if (UNAVAILABLE_SQLSTATE.test(code)) return true;
    }
    if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true;
    queue.push(driverError, cause);
    if (Array.isArray(errors)) queue.push(...(errors as unknown[]));
  }
  return false;
}
