import { useQuery } from '@tanstack/react-query';
import type { CodeableConcept } from 'fhir/r4';
import { api } from '../../api';

/** One item of the consortium catalogue as `GET /api/catalogue` gives it. */
export interface CatalogueEntry {
  system: string;
  code: string;
  display: string;
  displayZh: string;
  centre: 'lab' | 'imaging' | 'ecg' | 'pathology';
  centreOrg?: { code: string; name: string; nameEn: string };
  specimenType?: { code: string; display?: string; displayZh?: string };
  price: string;
  turnaroundMinutes: Record<'routine' | 'urgent' | 'stat', number>;
  recognition: { recognized: boolean; validityDays: number } | null;
}

/** The catalogue (it changes rarely: kept for the session, refreshed on focus). */
export function useCatalogue() {
  return useQuery({
    queryKey: ['catalogue'],
    queryFn: () => api<CatalogueEntry[]>('/api/catalogue'),
    staleTime: 5 * 60_000,
  });
}

export const entryKey = (entry: { system?: string; code?: string }) =>
  `${entry.system ?? ''}|${entry.code ?? ''}`;

/** The item's name in the person's language. */
export function entryName(entry: CatalogueEntry, language: string): string {
  return language === 'en' ? entry.display : entry.displayZh;
}

/**
 * The name of what a ServiceRequest or report codes, in the person's language: the catalogue's
 * when it knows the code, else what the resource says.
 */
export function conceptName(
  concept: CodeableConcept | undefined,
  catalogue: CatalogueEntry[] | undefined,
  language: string,
): string {
  for (const coding of concept?.coding ?? []) {
    const entry = catalogue?.find((e) => e.system === coding.system && e.code === coding.code);
    if (entry) return entryName(entry, language);
  }
  const coding = concept?.coding?.[0];
  return (
    (language === 'en' ? coding?.display : concept?.text) ?? concept?.text ?? coding?.code ?? ''
  );
}
