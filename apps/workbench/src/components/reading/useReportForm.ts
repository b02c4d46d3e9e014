import { useState } from 'react';
import { useAuth } from '../../auth';
import { type CriticalState, criticalFrom } from './CriticalFlag';
import { useReadingCommands } from './reading-api';
import { readingPermissions, useNow } from './reading-format';
import { type Centre, type ReadingView } from './types';
import { useDraftAutosave } from './useDraftAutosave';

interface FormState<Form> {
  /** The version the fields were filled from. */
  baseline: string;
  form: Form;
  critical: CriticalState;
}

/**
 * A reading screen's report as the reader writes it: the fields (filled from the reading, and
 * again when a new version starts, e.g. an amendment), the critical finding, what the reader may
 * do now, the commands, and the draft saved as they type. `toDraft` turns the fields into the
 * centre's draft body, or undefined while they do not make one yet.
 */
export function useReportForm<Form>(
  centre: Centre,
  view: ReadingView,
  fromView: (view: ReadingView) => Form,
  toDraft: (form: Form, critical: CriticalState) => unknown,
) {
  const { me } = useAuth();
  const now = useNow(15_000);
  const permissions = readingPermissions(view, me, now);
  const commands = useReadingCommands(centre, view.orderId);
  const baseline = `${view.orderId}:${view.version}`;
  const [state, setState] = useState<FormState<Form>>(() => ({
    baseline,
    form: fromView(view),
    critical: criticalFrom(view),
  }));
  let current = state;
  if (state.baseline !== baseline) {
    current = { baseline, form: fromView(view), critical: criticalFrom(view) };
    setState(current);
  }
  const draft = toDraft(current.form, current.critical);
  const autosave = useDraftAutosave(draft, permissions.editable, current.baseline, (body) =>
    commands.run('draft', body),
  );
  return {
    form: current.form,
    setForm: (update: (form: Form) => Form) => setState((s) => ({ ...s, form: update(s.form) })),
    critical: current.critical,
    setCritical: (critical: CriticalState) => setState((s) => ({ ...s, critical })),
    draftReady: draft !== undefined,
    permissions,
    commands,
    autosave,
  };
}
