import { useCallback, useEffect, useRef, useState } from 'react';

export type AutosaveState =
  | { kind: 'idle' }
  | { kind: 'dirty' }
  | { kind: 'saving' }
  | { kind: 'saved'; at: number }
  | { kind: 'error'; message: string };

/** How long typing must pause before the draft is saved. */
const DEBOUNCE_MS = 1200;

/**
 * Saves the report draft while the reader writes: `draft` is the body to PUT as the fields now
 * stand (undefined while it cannot be saved yet, e.g. a required field is empty); it is saved
 * 1.2 s after the last change. `baseline` names the version the fields were filled from: when it
 * changes, the fields are what the server holds, and nothing is saved. `flush` saves at once
 * (before signing) and resolves when the server has it.
 */
export function useDraftAutosave(
  draft: unknown,
  enabled: boolean,
  baseline: string,
  save: (body: unknown) => Promise<unknown>,
) {
  const [state, setState] = useState<AutosaveState>({ kind: 'idle' });
  const json = draft === undefined ? undefined : JSON.stringify(draft);
  const saved = useRef<string | undefined>(undefined);
  const baselineSeen = useRef<string | undefined>(undefined);
  const inFlight = useRef<Promise<void> | undefined>(undefined);
  const saveRef = useRef(save);
  saveRef.current = save;

  const persist = useCallback(async (body: string) => {
    setState({ kind: 'saving' });
    try {
      await saveRef.current(JSON.parse(body) as unknown);
      saved.current = body;
      setState({ kind: 'saved', at: Date.now() });
    } catch (error) {
      setState({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
      throw error;
    }
  }, []);

  useEffect(() => {
    if (baselineSeen.current !== baseline) {
      baselineSeen.current = baseline;
      saved.current = json;
      setState({ kind: 'idle' });
      return;
    }
    if (!enabled || json === undefined || json === saved.current) return;
    setState({ kind: 'dirty' });
    const timer = setTimeout(() => {
      inFlight.current = persist(json).catch(() => undefined);
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [json, enabled, baseline, persist]);

  /** Saves what has not been saved; `force` saves even an unchanged draft (an amendment's first). */
  const flush = useCallback(
    async (force = false) => {
      await inFlight.current;
      if (json !== undefined && (force || json !== saved.current)) await persist(json);
    },
    [json, persist],
  );

  const pendingChanges = json !== undefined && json !== saved.current;
  return { state, flush, pendingChanges };
}
