import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App } from 'antd';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../../api';
import { type Centre, type ReadingStatus, type ReadingView, type WorklistEntry } from './types';

export interface WorklistFilters {
  status?: ReadingStatus;
  clinic?: string;
  modality?: string;
}

/** How often the worklist asks again while it is open. */
export const WORKLIST_REFRESH_MS = 15_000;

export const worklistKey = (centre: Centre) => ['reading', centre, 'worklist'] as const;
export const readingKey = (centre: Centre, orderId: string) =>
  ['reading', centre, 'reading', orderId] as const;

/** A centre's worklist with the filters, refreshed every 15 s while `live`. */
export function useWorklist(centre: Centre, filters: WorklistFilters, live: boolean) {
  const search = new URLSearchParams({ limit: '200' });
  for (const [key, value] of Object.entries(filters))
    if (typeof value === 'string' && value) search.set(key, value);
  return useQuery({
    queryKey: [...worklistKey(centre), search.toString()],
    queryFn: ({ signal }) => api<WorklistEntry[]>(`/api/${centre}/worklist?${search}`, { signal }),
    refetchInterval: live ? WORKLIST_REFRESH_MS : false,
    placeholderData: (previous) => previous,
  });
}

/** One order's reading (the ECG centre's adds recordings and previous ECGs). */
export function useReading<View extends ReadingView = ReadingView>(
  centre: Centre,
  orderId: string,
) {
  return useQuery({
    queryKey: readingKey(centre, orderId),
    queryFn: ({ signal }) => api<View>(`/api/${centre}/readings/${orderId}`, { signal }),
    // Another reader may claim, sign or co-sign it meanwhile.
    refetchInterval: 30_000,
    refetchOnWindowFocus: false,
  });
}

/** What a centre's reading view adds to the shared one (the ECG's recordings and previous ECGs). */
const VIEW_EXTRAS = ['recordings', 'previous'] as const;

export type ReadingCommand = 'claim' | 'release' | 'sign' | 'cosign' | 'amend';

/**
 * The reading's commands. Each answers the reading as it now stands, which replaces the cached
 * one (keeping what the centre's own view adds, such as the ECG's recordings); the worklist is
 * asked again. A refusal is shown with the hub's words and thrown on.
 */
export function useReadingCommands(centre: Centre, orderId: string) {
  const client = useQueryClient();
  const { message } = App.useApp();
  const { t } = useTranslation();
  const mutation = useMutation({
    mutationFn: async ({
      command,
      body,
    }: {
      command: ReadingCommand | 'draft' | 'frozen';
      body?: unknown;
    }) => {
      const base = `/api/${centre}/readings/${orderId}`;
      switch (command) {
        case 'claim':
          return api<ReadingView>(`${base}/claim`, { method: 'POST' });
        case 'release':
          return api<ReadingView>(`${base}/claim`, { method: 'DELETE' });
        case 'sign':
          return api<ReadingView>(`${base}/signature`, { method: 'POST' });
        case 'cosign':
          return api<ReadingView>(`${base}/cosignature`, { method: 'POST' });
        case 'amend':
          return api<ReadingView>(`${base}/amendment`, { method: 'POST', body });
        case 'draft':
          return api<ReadingView>(`${base}/draft`, { method: 'PUT', body });
        case 'frozen':
          return api<ReadingView>(`${base}/frozen-result`, { method: 'POST', body });
      }
    },
    onSuccess: (view) => {
      // The answer replaces the reading (a claim it no longer names is gone), keeping only what
      // the centre's own view adds to it.
      // Not cached yet (a claim from the worklist): the reading screen asks for the whole view.
      client.setQueryData<ReadingView>(readingKey(centre, orderId), (current) => {
        if (!current) return undefined;
        const extras = Object.fromEntries(
          VIEW_EXTRAS.flatMap((key) =>
            key in current ? [[key, (current as unknown as Record<string, unknown>)[key]]] : [],
          ),
        );
        return { ...view, ...extras };
      });
      void client.invalidateQueries({ queryKey: worklistKey(centre) });
    },
  });
  const run = async (command: ReadingCommand | 'draft' | 'frozen', body?: unknown) => {
    try {
      return await mutation.mutateAsync({ command, body });
    } catch (error) {
      if (command !== 'draft')
        void message.error(
          error instanceof ApiError && error.status !== 0 ? error.message : t('error.network'),
        );
      throw error;
    }
  };
  return { run, pending: mutation.isPending };
}
