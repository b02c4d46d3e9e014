/**
 * 居民身份证号 (resident identity number, GB 11643): 6-digit area code, 8-digit birth date
 * (YYYYMMDD), 3-digit sequence (odd = male) and a check character computed with ISO 7064 MOD 11-2.
 * No maintained npm library implements GB 11643, so the check is written here from the standard.
 */

/** The identifier system (OID) for the 居民身份证号 in Chinese health-information exchange. */
export const RESIDENT_ID_SYSTEM = 'urn:oid:2.16.156.10011.1.3';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

export type ResidentIdProblem = 'format' | 'birth-date' | 'check-digit';

export interface ResidentIdCheck {
  valid: boolean;
  problem?: ResidentIdProblem;
  /** Human-readable reason, safe to show (never contains the number itself). */
  reason?: string;
}

/** The ISO 7064 MOD 11-2 check character for the first 17 digits. */
export function residentIdCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK_CHARS[sum % 11];
}

/** Validates a 18-character 居民身份证号: format, birth date and check character. */
export function checkResidentId(value: string): ResidentIdCheck {
  if (!/^\d{17}[\dXx]$/.test(value)) {
    return {
      valid: false,
      problem: 'format',
      reason: 'must be 17 digits followed by a digit or X (18 characters)',
    };
  }
  const year = Number(value.slice(6, 10));
  const month = Number(value.slice(10, 12));
  const day = Number(value.slice(12, 14));
  const birth = new Date(Date.UTC(year, month - 1, day));
  const validDate =
    year >= 1900 &&
    birth.getUTCFullYear() === year &&
    birth.getUTCMonth() === month - 1 &&
    birth.getUTCDate() === day &&
    birth.getTime() <= Date.now();
  if (!validDate) {
    return {
      valid: false,
      problem: 'birth-date',
      reason: 'birth date (digits 7-14) is not a real past date',
    };
  }
  if (residentIdCheckChar(value.slice(0, 17)) !== value[17].toUpperCase()) {
    return {
      valid: false,
      problem: 'check-digit',
      reason: 'check character (GB 11643, ISO 7064 MOD 11-2) does not match',
    };
  }
  return { valid: true };
}

/** Canonical form: upper-case check character. */
export function normalizeResidentId(value: string): string {
  return value.trim().toUpperCase();
}

/** Masks a 居民身份证号 for display and logs: keeps the first 6 and last 4 characters. */
export function maskResidentId(value: string): string {
  if (value.length <= 10) return '*'.repeat(value.length);
  return value.slice(0, 6) + '*'.repeat(value.length - 10) + value.slice(-4);
}

const ID_IN_TEXT = /(?<![\dA-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![\dA-Za-z])/g;

/** Masks every 18-character identity number found in free text (log lines, error messages). */
export function maskResidentIdsInText(text: string): string {
  return text.replace(
    ID_IN_TEXT,
    (_m, area: string, _birth: string, tail: string) => `${area}********${tail}`,
  );
}
