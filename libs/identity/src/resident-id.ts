/**
 * 居民身份证号 (resident identity number, GB 11643): 6-digit area code, 8-digit birth date
 * (YYYYMMDD), 3-digit sequence (odd = male) and a check character computed with ISO 7064 MOD 11-2.
 * No maintained npm library implements GB 11643, so the check is written here from the standard.
 */

/** The identifier system (OID) for the 居民身份证号 in Chinese health-information exchange. */
export const RESIDENT_ID_SYSTEM = 'urn:oid:2.16.156.10011.1.3';

/**
 * First two digits of the area code (GB/T 2260 provinces; 71 Taiwan, and 81–83 on the residence
 * permits of Hong Kong, Macao and Taiwan residents).
 */
const PROVINCES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
  53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
]);

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

export type ResidentIdProblem = 'format' | 'area-code' | 'birth-date' | 'check-digit';

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
  if (!PROVINCES.has(Number(value.slice(0, 2))) || value.slice(2, 6) === '0000') {
    return {
      valid: false,
      problem: 'area-code',
      reason: 'area code (digits 1-6) names no province and county (GB/T 2260)',
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

/** What a valid number says about its holder: the birth date and (sequence digit 17) the sex. */
export function residentIdFacts(value: string): { birthDate: string; sex: 'male' | 'female' } {
  return {
    birthDate: `${value.slice(6, 10)}-${value.slice(10, 12)}-${value.slice(12, 14)}`,
    sex: Number(value[16]) % 2 === 1 ? 'male' : 'female',
  };
}

/**
 * Where a registration disagrees with its valid 居民身份证号: the stated birth date or an
 * administrative sex of male/female that the number contradicts. Empty when they agree (or were
 * not stated). Safe to show: the number itself is never quoted.
 */
export function residentIdDisagreements(
  value: string,
  stated: { birthDate?: string; gender?: string },
): Array<{ field: 'birthDate' | 'gender'; reason: string }> {
  const facts = residentIdFacts(value);
  const problems: Array<{ field: 'birthDate' | 'gender'; reason: string }> = [];
  if (stated.birthDate && stated.birthDate.slice(0, 10) !== facts.birthDate)
    problems.push({
      field: 'birthDate',
      reason: `the birth date ${stated.birthDate} disagrees with the one in the 居民身份证号`,
    });
  if ((stated.gender === 'male' || stated.gender === 'female') && stated.gender !== facts.sex)
    problems.push({
      field: 'gender',
      reason: `the sex ${stated.gender} disagrees with the 居民身份证号 (sequence digit 17: ${facts.sex})`,
    });
  return problems;
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
