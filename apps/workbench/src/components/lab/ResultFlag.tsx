import { Tag } from 'antd';
import { type CSSProperties } from 'react';
import { useTranslation } from 'react-i18next';
import { type Interpretation, isCritical } from './types';

const ARROWS: Record<Interpretation, string> = { N: '', H: '↑', L: '↓', HH: '↑↑', LL: '↓↓' };

/** A result's flag: critical in solid red, high or low in orange, nothing when normal. */
export function ResultFlagTag({ flag }: { flag: string | undefined }) {
  const { t } = useTranslation('lab');
  if (!flag || flag === 'N' || !(flag in ARROWS)) return null;
  const critical = isCritical(flag);
  return (
    <Tag
      color={critical ? '#cf1322' : 'orange'}
      variant={critical ? 'solid' : 'outlined'}
      style={critical ? { fontWeight: 700 } : undefined}
      data-testid={`flag-${flag}`}
    >
      {flag} {ARROWS[flag as Interpretation]} {t(`flag.${flag}`)}
    </Tag>
  );
}

/** How a value reads: critical red and bold, high or low orange, normal plain. */
export function valueStyle(flag: string | undefined): CSSProperties {
  if (isCritical(flag)) return { color: '#cf1322', fontWeight: 700 };
  if (flag === 'H' || flag === 'L') return { color: '#d46b08', fontWeight: 600 };
  return {};
}

/** A value with its arrow, as a lab report prints it ("6.8 ↑↑"). */
export function flaggedValue(value: number, flag: string | undefined): string {
  const arrow = flag && flag in ARROWS ? ARROWS[flag as Interpretation] : '';
  return arrow ? `${value} ${arrow}` : String(value);
}

/** A reference range as "3.5–5.3", "≤ 5.3" or "≥ 3.5"; empty when none applies. */
export function formatRange(low: number | undefined, high: number | undefined): string {
  if (low !== undefined && high !== undefined) return `${low}–${high}`;
  if (high !== undefined) return `≤ ${high}`;
  if (low !== undefined) return `≥ ${low}`;
  return '';
}
