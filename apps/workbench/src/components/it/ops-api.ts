import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api';
import {
  type FailedJob,
  type Hl7LogEntry,
  type Hl7Search,
  type OpsStatus,
  type RetriedJob,
} from './types';

/** How often the status page asks again. */
export const STATUS_REFRESH_MS = 10_000;

/** The hub's status, asked again every 10 s while the page is open. */
export function useOpsStatus() {
  return useQuery({
    queryKey: ['ops', 'status'],
    queryFn: ({ signal }) => api<OpsStatus>('/api/ops/status', { signal }),
    refetchInterval: STATUS_REFRESH_MS,
    placeholderData: keepPreviousData,
  });
}

/** A queue's failed jobs, newest first. */
export function useFailedJobs(queue: string | undefined, limit = 100) {
  return useQuery({
    queryKey: ['ops', 'failed', queue, limit],
    queryFn: ({ signal }) =>
      api<FailedJob[]>(`/api/ops/queues/${encodeURIComponent(queue ?? '')}/failed?limit=${limit}`, {
        signal,
      }),
    enabled: Boolean(queue),
  });
}

/** Puts a failed job back in its queue; the counts and the list are read again afterwards. */
export function useRetryJob() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ queue, id }: { queue: string; id: string }) =>
      api<RetriedJob>(
        `/api/ops/queues/${encodeURIComponent(queue)}/jobs/${encodeURIComponent(id)}/retry`,
        { method: 'POST' },
      ),
    onSettled: () => client.invalidateQueries({ queryKey: ['ops'] }),
  });
}

/** One page of the HL7 log for the filters (the API's names), newest first. */
export function useHl7Messages(filters: Record<string, string>, page: number, pageSize: number) {
  const query = new URLSearchParams({
    ...filters,
    _count: String(pageSize),
    _offset: String((page - 1) * pageSize),
  });
  return useQuery({
    queryKey: ['hl7', 'messages', query.toString()],
    queryFn: ({ signal }) => api<Hl7Search>(`/api/hl7/messages?${query.toString()}`, { signal }),
    placeholderData: keepPreviousData,
  });
}

/** One message with its text and ACK (masked). */
export function useHl7Message(id: string | undefined) {
  return useQuery({
    queryKey: ['hl7', 'message', id],
    queryFn: ({ signal }) =>
      api<Hl7LogEntry>(`/api/hl7/messages/${encodeURIComponent(id ?? '')}`, { signal }),
    enabled: Boolean(id),
  });
}

/**
 * Whether the member has answered the attempts made since `replayedId` was sent again: delivered,
 * or a newer attempt failed too.
 */
export function settledSince(attempts: Hl7LogEntry[], replayedId: string): boolean {
  if (attempts.some((attempt) => attempt.status === 'delivered')) return true;
  const latest = attempts.at(-1);
  return (
    latest !== undefined && Number(latest.id) > Number(replayedId) && latest.status === 'failed'
  );
}

/**
 * The attempts to send the same outbound message (one control id per report version and member),
 * oldest first. After a replay of `replayedId`, asked again every 2 s until the member answered.
 */
export function useDeliveryAttempts(
  entry: Pick<Hl7LogEntry, 'direction' | 'facility' | 'controlId'> | undefined,
  replayedId: string | undefined,
) {
  const query = new URLSearchParams({
    direction: 'out',
    controlId: entry?.controlId ?? '',
    ...(entry?.facility ? { facility: entry.facility } : {}),
    _count: '50',
  });
  return useQuery({
    queryKey: ['hl7', 'attempts', query.toString()],
    queryFn: async ({ signal }) =>
      (await api<Hl7Search>(`/api/hl7/messages?${query.toString()}`, { signal })).entries
        .slice()
        .reverse(),
    enabled: Boolean(entry && entry.direction === 'out' && entry.controlId),
    refetchInterval: (current) =>
      replayedId && !settledSince(current.state.data ?? [], replayedId) ? 2_000 : false,
  });
}

/** Replays a message: the answer is the new entry (inbound) or the failed attempt (outbound). */
export function useReplay() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      api<Hl7LogEntry>(`/api/hl7/messages/${encodeURIComponent(id)}/replay`, { method: 'POST' }),
    onSettled: () => client.invalidateQueries({ queryKey: ['hl7'] }),
  });
}
