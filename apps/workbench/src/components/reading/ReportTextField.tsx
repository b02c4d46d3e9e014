import { Input } from 'antd';
import { type SyntheticEvent } from 'react';

/** One free-text field of a report, wired to the phrase library's insertion point. */
export function ReportTextField({
  label,
  testId,
  value,
  onChange,
  disabled,
  rows = 6,
  maxLength = 10_000,
  bind,
  required,
}: {
  label: string;
  testId: string;
  value: string;
  onChange: (value: string) => void;
  disabled: boolean;
  rows?: number;
  maxLength?: number;
  bind: {
    onFocus: (e: SyntheticEvent<HTMLTextAreaElement>) => void;
    onSelect: (e: SyntheticEvent<HTMLTextAreaElement>) => void;
    onKeyUp: (e: SyntheticEvent<HTMLTextAreaElement>) => void;
    onClick: (e: SyntheticEvent<HTMLTextAreaElement>) => void;
    className?: string;
  };
  required?: boolean;
}) {
  return (
    <div>
      <div className="reading-field-label">
        <span>
          {label}
          {required && <span style={{ color: '#cf1322', marginLeft: 2 }}>*</span>}
        </span>
      </div>
      <Input.TextArea
        data-testid={testId}
        value={value}
        disabled={disabled}
        maxLength={maxLength}
        autoSize={{ minRows: rows, maxRows: rows * 3 }}
        onChange={(e) => onChange(e.target.value)}
        {...bind}
      />
    </div>
  );
}
