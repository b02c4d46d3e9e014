import { useQuery } from '@tanstack/react-query';
import { api } from '../../api';
import { type CriticalAlert, type CriticalFinding, type OrganizationName } from './types';

export type AlertFilter = 'open' | 'acknowledged' | 'all';

/**
 * The alerts the signed-in person may see. The open ones share their cache entry with the
 * shell's red banner, so acknowledging here clears the banner at once.
 */
export function useAlerts(filter: AlertFilter) {
  return useQuery({
    queryKey: ['critical-values', filter],
    queryFn: () =>
      api<{ alerts: CriticalAlert[] }>(
        filter === 'all' ? '/api/critical-values' : `/api/critical-values?status=${filter}`,
      ),
    refetchInterval: 15_000,
  });
}

/** The finding's item in the person's language (钾 / Potassium). */
export function findingName(finding: CriticalFinding, en: boolean): string {
  return (en ? finding.display : finding.displayZh || finding.display) || finding.code;
}

/** The finding as read back: "6.8 mmol/L ↑↑", or a reader's words. */
export function findingValue(finding: CriticalFinding): string {
  if (finding.value === undefined) return finding.text ?? '';
  const arrow = finding.flag === 'HH' ? ' ↑↑' : finding.flag === 'LL' ? ' ↓↓' : '';
  return `${finding.value}${finding.unit ? ` ${finding.unit}` : ''}${arrow}`;
}

/** An organisation's name in the person's language, else its code. */
export function orgName(name: OrganizationName | undefined, code: string, en: boolean): string {
  return (en ? name?.en : name?.zh) ?? code;
}
