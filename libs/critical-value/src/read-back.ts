import { type CriticalFinding } from '@hub/contracts';

/** The answer of {@link checkReadBack}: accepted, or why not in English and Chinese. */
export type ReadBackCheck = { ok: true } | { ok: false; reason: string; reasonZh: string };

/** A text finding's read-back must say at least this much (a bare "好" or "ok" is not a read-back). */
const MIN_TEXT_READ_BACK = 2;

/**
 * 回读: checks what the clinician read back when taking a critical value. For a numeric finding the
 * read-back must contain the value itself, in any notation that is numerically equal ("钾 6.8",
 * "6.80 mmol/L" and "６．８" all match 6.8; "6.3" or "16.8" do not). For a finding in words
 * (imaging, ECG, pathology) any read-back of at least two characters is accepted: the reader
 * confirms it was understood, the words themselves vary.
 */
export function checkReadBack(
  finding: Pick<CriticalFinding, 'value' | 'unit'>,
  readBack: string,
): ReadBackCheck {
  const text = readBack.normalize('NFKC').trim();
  if (!text) {
    return {
      ok: false,
      reason: 'the read-back is empty: the receiver must read the critical value back',
      reasonZh: '回读内容为空：接收人须回读危急值',
    };
  }
  if (finding.value === undefined) {
    if ([...text].length >= MIN_TEXT_READ_BACK) return { ok: true };
    return {
      ok: false,
      reason: `the read-back "${text}" is too short: repeat the finding in at least ${MIN_TEXT_READ_BACK} characters`,
      reasonZh: `回读内容"${text}"过短：请至少用 ${MIN_TEXT_READ_BACK} 个字复述危急值`,
    };
  }
  const expected = `${finding.value}${finding.unit ? ` ${finding.unit}` : ''}`;
  const numbers = numbersIn(text);
  if (numbers.length === 0) {
    return {
      ok: false,
      reason: `the read-back contains no number: read back the critical value ${expected}`,
      reasonZh: `回读内容中没有数值：请回读危急值 ${expected}`,
    };
  }
  if (numbers.some((n) => Number(n) === finding.value)) return { ok: true };
  const heard = numbers.join(', ');
  return {
    ok: false,
    reason: `the read-back value ${heard} does not match the critical value ${expected}`,
    reasonZh: `回读数值 ${heard} 与危急值 ${expected} 不符`,
  };
}

/** The decimal numbers written in `text`, whole ("16.8" is 16.8, never 6.8); "1,200" is 1200. */
function numbersIn(text: string): string[] {
  const plain = text.replace(/(\d),(?=\d{3}(?!\d))/g, '$1');
  return plain.match(/\d+(?:\.\d+)?/g) ?? [];
}
