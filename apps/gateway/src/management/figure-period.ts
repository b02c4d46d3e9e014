import { z } from 'zod';
import { FhirError } from '@hub/fhir';
import { parseBody } from '../http/parse-body';

/** Months are China time (Asia/Shanghai, UTC+8 all year: no daylight saving since 1991). */
const CHINA_OFFSET_MS = 8 * 3600_000;
/** The longest period one request may ask for. */
export const MAX_FIGURE_MONTHS = 120;

const month = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month is written YYYY-MM (e.g. 2026-03)');
const periodQuery = z.strictObject({ from: month.optional(), to: month.optional() });

/** A run of whole months, `from` to `to` inclusive, and the instants that bound it. */
export interface FigurePeriod {
  from: string;
  to: string;
  /** The first instant of `from` in China time. */
  start: Date;
  /** The first instant after `to` in China time. */
  end: Date;
}

/**
 * The months a figures request covers: `from` and `to` as given (YYYY-MM, China time), `to`
 * defaulting to the current month and `from` to eleven months before `to` (twelve months in all).
 * A malformed month, `from` after `to`, or more than ten years is a 400.
 */
export function figurePeriod(query: unknown, now = new Date()): FigurePeriod {
  const parsed = parseBody(periodQuery, query ?? {});
  const to = parsed.to ?? monthOf(now);
  const from = parsed.from ?? addMonths(to, -11);
  const span = monthIndex(to) - monthIndex(from) + 1;
  if (span < 1) throw FhirError.badRequest(`from (${from}) is after to (${to})`, ['from', 'to']);
  if (span > MAX_FIGURE_MONTHS)
    throw FhirError.badRequest(
      `from ${from} to ${to} is ${span} months; ask for at most ${MAX_FIGURE_MONTHS}`,
      ['from', 'to'],
    );
  return { from, to, start: startOf(from), end: startOf(addMonths(to, 1)) };
}

/** The month (YYYY-MM) an instant falls in, in China time. */
export function monthOf(instant: Date): string {
  return new Date(instant.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 7);
}

function monthIndex(value: string): number {
  return Number(value.slice(0, 4)) * 12 + Number(value.slice(5, 7)) - 1;
}

function addMonths(value: string, months: number): string {
  const index = monthIndex(value) + months;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

function startOf(value: string): Date {
  return new Date(Date.parse(`${value}-01T00:00:00Z`) - CHINA_OFFSET_MS);
}
