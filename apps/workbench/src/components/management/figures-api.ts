import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { entryKey, entryName, useCatalogue } from '../clinic/catalogue';
import { addMonths, dayFrom, monthStart } from './period';
import {
  type CriticalValueIndicators,
  type ManagementFigures,
  type OrganizationName,
  type RecognitionFigure,
} from './types';

export interface Period {
  from: string;
  to: string;
}

/** Volume and turnaround for the months of the period. */
export function useManagementFigures({ from, to }: Period) {
  return useQuery({
    queryKey: ['management', 'figures', from, to],
    queryFn: ({ signal }) =>
      api<ManagementFigures>(`/api/management/figures?from=${from}&to=${to}`, { signal }),
    placeholderData: keepPreviousData,
  });
}

/** The critical-value closed-loop indicators over alerts reported in the months (China time). */
export function useCriticalIndicators({ from, to }: Period) {
  const query = new URLSearchParams({
    from: monthStart(from),
    to: monthStart(addMonths(to, 1)),
  });
  return useQuery({
    queryKey: ['management', 'critical', from, to],
    queryFn: ({ signal }) =>
      api<CriticalValueIndicators>(`/api/critical-values/indicators?${query.toString()}`, {
        signal,
      }),
    placeholderData: keepPreviousData,
  });
}

/**
 * Duplicates avoided and money saved in the months. The API takes calendar days and names each
 * row's month in China time, so the days asked for reach one day further on each side and the
 * rows are kept by their month: a decision at 01:00 Beijing on the 1st is in, none of another
 * month is.
 */
export function useRecognitionFigures({ from, to }: Period) {
  const query = new URLSearchParams({ from: dayFrom(from, -1), to: dayFrom(addMonths(to, 1), 0) });
  return useQuery({
    queryKey: ['management', 'recognition', from, to],
    queryFn: async ({ signal }) =>
      (
        await api<RecognitionFigure[]>(`/api/recognition/figures?${query.toString()}`, { signal })
      ).filter((row) => row.month >= from && row.month <= to),
    placeholderData: keepPreviousData,
  });
}

/** The consortium's organisations by code; a name function in the person's language. */
export function useOrganizationNames(): (code: string) => string {
  const { i18n } = useTranslation();
  const organizations = useQuery({
    queryKey: ['management', 'organizations'],
    queryFn: ({ signal }) => api<OrganizationName[]>('/api/management/organizations', { signal }),
    staleTime: Infinity,
  });
  const en = i18n.language === 'en';
  return useMemo(() => {
    const byCode = new Map((organizations.data ?? []).map((org) => [org.code, org]));
    return (code: string) => {
      const org = byCode.get(code);
      if (!org) return code;
      return en ? org.nameEn || org.name : org.name;
    };
  }, [organizations.data, en]);
}

/** Catalogue item names by system and code, in the person's language (the clinic's catalogue). */
export function useItemNames(): (system: string, code: string) => string {
  const { i18n } = useTranslation();
  const catalogue = useCatalogue();
  const language = i18n.language;
  return useMemo(() => {
    const byKey = new Map((catalogue.data ?? []).map((item) => [entryKey(item), item]));
    return (system: string, code: string) => {
      const item = byKey.get(entryKey({ system, code }));
      return item ? entryName(item, language) : code;
    };
  }, [catalogue.data, language]);
}
