import { type SyntheticEvent, useCallback, useRef, useState } from 'react';

/**
 * The report's free-text fields and where a phrase goes: the field the reader last worked in, at
 * the caret (or replacing the selection); `fallback` until they have clicked into one.
 */
export function useTextFields<Field extends string>(
  values: Record<Field, string>,
  setValue: (field: Field, value: string) => void,
  fallback: Field,
) {
  const [target, setTarget] = useState<Field>(fallback);
  const caret = useRef<{ start: number; end: number } | undefined>(undefined);

  const remember = useCallback((field: Field, event: SyntheticEvent<HTMLTextAreaElement>) => {
    const element = event.currentTarget;
    caret.current = { start: element.selectionStart, end: element.selectionEnd };
    setTarget(field);
  }, []);

  /** Props for a field's TextArea that keep track of the caret. */
  const bind = (field: Field) => ({
    onFocus: (e: SyntheticEvent<HTMLTextAreaElement>) => remember(field, e),
    onSelect: (e: SyntheticEvent<HTMLTextAreaElement>) => remember(field, e),
    onKeyUp: (e: SyntheticEvent<HTMLTextAreaElement>) => remember(field, e),
    onClick: (e: SyntheticEvent<HTMLTextAreaElement>) => remember(field, e),
    className: target === field ? 'reading-field-target' : undefined,
  });

  /** Inserts a phrase into the target field (on a line of its own when it starts a sentence). */
  const insert = (text: string, field: Field = target) => {
    const current = values[field] ?? '';
    const at =
      caret.current && field === target
        ? caret.current
        : { start: current.length, end: current.length };
    const before = current.slice(0, at.start);
    const after = current.slice(at.end);
    // Latin text needs a space between words; Chinese sentences follow each other directly.
    const glue = before && /[A-Za-z0-9.,;:]$/.test(before) && /^[A-Za-z0-9]/.test(text) ? ' ' : '';
    setValue(field, before + glue + text + after);
    const end = at.start + glue.length + text.length;
    caret.current = { start: end, end };
    setTarget(field);
  };

  return { target, bind, insert };
}
