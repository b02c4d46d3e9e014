import { AlertOutlined } from '@ant-design/icons';
import { AutoComplete, Checkbox } from 'antd';
import { useTranslation } from 'react-i18next';
import { type Localized, localized } from './types';

/**
 * The reader's critical finding (危急值). `touched` is false until the reader changes it, so a
 * draft sent meanwhile keeps what the centre holds (and the ECG centre may still flag a critical
 * statement by itself).
 */
export interface CriticalState {
  enabled: boolean;
  text: string;
  touched: boolean;
}

export function criticalFrom(view: { critical?: { text: string } }): CriticalState {
  return { enabled: Boolean(view.critical), text: view.critical?.text ?? '', touched: false };
}

/** What a draft says about the critical finding: set, cleared (null), or unchanged (undefined). */
export function criticalBody(state: CriticalState): { text: string } | null | undefined {
  if (!state.touched) return undefined;
  if (!state.enabled) return null;
  return state.text.trim().length >= 2 ? { text: state.text.trim() } : undefined;
}

export function CriticalFlag({
  value,
  onChange,
  suggestions,
  disabled,
}: {
  value: CriticalState;
  onChange: (value: CriticalState) => void;
  suggestions: Localized[];
  disabled: boolean;
}) {
  const { t, i18n } = useTranslation('reading');
  return (
    <div className={value.enabled ? 'reading-critical' : undefined} style={{ marginTop: 8 }}>
      <Checkbox
        data-testid="critical-toggle"
        checked={value.enabled}
        disabled={disabled}
        onChange={(e) => onChange({ ...value, enabled: e.target.checked, touched: true })}
      >
        <span style={{ color: value.enabled ? '#cf1322' : undefined, fontWeight: 600 }}>
          <AlertOutlined /> {t('critical.flag')}
        </span>
      </Checkbox>
      {value.enabled && (
        <AutoComplete
          data-testid="critical-text"
          style={{ width: '100%', marginTop: 4 }}
          disabled={disabled}
          value={value.text}
          status={value.text.trim().length < 2 ? 'error' : undefined}
          placeholder={t('critical.placeholder')}
          options={suggestions.map((s) => ({
            value: localized(s, i18n.language),
            label: localized(s, i18n.language),
          }))}
          showSearch={{
            filterOption: (input, option) =>
              String(option?.value ?? '')
                .toLowerCase()
                .includes(input.toLowerCase()),
          }}
          onChange={(text: string) => onChange({ ...value, text, touched: true })}
        />
      )}
      {value.enabled && (
        <div className="reading-muted" style={{ marginTop: 4 }}>
          {t('critical.hint')}
        </div>
      )}
    </div>
  );
}
