import { Select, Tabs, Tag, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import { type Localized, type PhraseGroup, type ReportTemplate, localized } from './types';

/**
 * Templates (模板) and the phrase library (常用语) beside the report: a template fills the
 * report's fields for the item being read; a phrase is inserted with a click where the reader is
 * writing. Both are data files of each centre, in Chinese with English.
 */
export function ReportLibrary<Field extends string>({
  templates,
  phrases,
  itemCode,
  modalities,
  disabled,
  onTemplate,
  onPhrase,
  targetLabel,
}: {
  templates: ReportTemplate<Field>[];
  phrases: PhraseGroup[];
  /** The order's catalogue item, to offer its templates first. */
  itemCode?: string;
  modalities?: string[];
  disabled: boolean;
  onTemplate: (template: ReportTemplate<Field>) => void;
  onPhrase: (text: string) => void;
  /** Where a phrase goes now ("检查所见"). */
  targetLabel?: string;
}) {
  const { t, i18n } = useTranslation('reading');
  const suits = (template: ReportTemplate<Field>) =>
    !template.items ||
    template.items.some((code) => code === itemCode || (modalities ?? []).includes(code));
  const ordered = [...templates.filter(suits), ...templates.filter((tpl) => !suits(tpl))];
  const other = (text: Localized) => (i18n.language === 'en' ? text.zh : text.en);
  return (
    <div>
      <Select<string>
        data-testid="template-select"
        style={{ width: '100%' }}
        placeholder={t('library.template')}
        disabled={disabled}
        value={null}
        showSearch={{ optionFilterProp: 'label' }}
        onChange={(id) => {
          const template = templates.find((tpl) => tpl.id === id);
          if (template) onTemplate(template);
        }}
        options={[
          {
            label: t('library.suggested'),
            options: ordered
              .filter(suits)
              .map((tpl) => ({ value: tpl.id, label: localized(tpl.name, i18n.language) })),
          },
          {
            label: t('library.others'),
            options: ordered
              .filter((tpl) => !suits(tpl))
              .map((tpl) => ({ value: tpl.id, label: localized(tpl.name, i18n.language) })),
          },
        ].filter((group) => group.options.length)}
      />
      {targetLabel && !disabled && (
        <div className="reading-muted" style={{ marginTop: 4 }}>
          {t('library.phrases')} · {t('library.insertInto', { field: targetLabel })}
        </div>
      )}
      <Tabs
        size="small"
        className="reading-phrase-tabs"
        data-testid="phrase-library"
        items={phrases.map((group) => ({
          key: group.id,
          label: (
            <span data-testid={`phrase-group-${group.id}`}>
              {localized(group.name, i18n.language)}
            </span>
          ),
          children: (
            <div className="reading-phrases">
              {group.phrases.map((phrase, index) => (
                <Tooltip key={index} title={other(phrase)} mouseEnterDelay={0.6}>
                  <Tag
                    data-testid={`phrase-${group.id}-${index}`}
                    color={disabled ? undefined : 'blue'}
                    onClick={() => !disabled && onPhrase(localized(phrase, i18n.language))}
                    style={disabled ? { cursor: 'not-allowed', opacity: 0.6 } : undefined}
                  >
                    {localized(phrase, i18n.language)}
                  </Tag>
                </Tooltip>
              ))}
            </div>
          ),
        }))}
      />
    </div>
  );
}
