import { Writable } from 'node:stream';
import pino, { type Logger, type LoggerOptions } from 'pino';
import { maskResidentIdsInText } from '@hub/identity';

/**
 * Structured JSON logs on stdout. Every line passes through the identity-number mask before it is
 * written, so no 居民身份证号 reaches a log whatever a caller put in a message or an object.
 */
export function maskingStream(target: NodeJS.WritableStream = process.stdout): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      target.write(maskResidentIdsInText(chunk.toString()));
      callback();
    },
  });
}

/** pino options shared by every app: JSON, ISO time, the app's name, secrets redacted. */
export function loggerOptions(app: string, level: string): LoggerOptions {
  return {
    level,
    base: { app },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'password',
        'client_secret',
        '*.password',
        '*.client_secret',
      ],
      censor: '[redacted]',
    },
  };
}

/** A logger for code that runs outside Nest's DI (scripts, bootstrap failures). */
export function createLogger(app: string, level = 'info'): Logger {
  return pino(loggerOptions(app, level), maskingStream());
}
