import { ClearOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Segmented,
  Select,
  Space,
  Switch,
  Table,
  Tabs,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { api } from '../../api';
import { CriticalFlag, criticalBody } from '../../components/reading/CriticalFlag';
import { formatDateTime } from '../../components/format';
import { PatientBanner } from '../../components/reading/PatientBanner';
import { useReading } from '../../components/reading/reading-api';
import { ReadingQueryState } from '../../components/reading/ReadingQueryState';
import { ReportLibrary } from '../../components/reading/ReportLibrary';
import { ReportPanel } from '../../components/reading/ReportPanel';
import { ReportTextField } from '../../components/reading/ReportTextField';
import { type ReadingView, type ReportTemplate, localized } from '../../components/reading/types';
import { useReportForm } from '../../components/reading/useReportForm';
import { useTextFields } from '../../components/reading/useTextFields';
import '../../components/reading/reading.css';
import { type Caliper, EcgSheet, measureCaliper } from './EcgSheet';
import { type EcgField, ecgCriticalFindings, ecgPhrases, ecgTemplates } from './report-library';

/** One ECG of the patient, with the measurements of the consortium record's Observation. */
interface EcgSummary {
  observationId: string;
  orderId?: string;
  effectiveDateTime?: string;
  status: string;
  measurements: Record<string, { value: number; unit?: string }>;
  flags: string[];
}

interface EcgReadingView extends ReadingView {
  /** Absent from the answers to commands (claim, draft …), which carry the shared view only. */
  recordings?: EcgSummary[];
  previous?: EcgSummary[];
}

interface EcgStatement {
  code: string;
  zh: string;
  en: string;
  critical?: boolean;
  group: string;
}

/** The cardiologist's reading screen: the ECG on paper (and the previous one beside it), the report. */
export function EcgReadingPage() {
  const { orderId = '' } = useParams();
  const reading = useReading<EcgReadingView>('ecg', orderId);
  return (
    <ReadingQueryState centre="ecg" query={reading}>
      {(view) => (
        <div className="reading-page">
          <PatientBanner centre="ecg" view={view} />
          <div className="reading-body">
            <div className="reading-work">
              <EcgWork view={view} />
            </div>
            <EcgReport view={view} />
          </div>
        </div>
      )}
    </ReadingQueryState>
  );
}

/** The measurements compared: the hub's, the cart's and the previous ECG's. */
const MEASUREMENTS: Array<{ key: string; cart?: string; unit: string; delta?: number }> = [
  { key: 'heart-rate', unit: '/min', delta: 20 },
  { key: 'pr', unit: 'ms', delta: 40 },
  { key: 'qrs', unit: 'ms', delta: 20 },
  { key: 'qt', unit: 'ms', delta: 40 },
  { key: 'qtc-bazett', cart: 'qtc', unit: 'ms', delta: 30 },
  { key: 'qrs-axis', unit: '°', delta: 30 },
];

function EcgWork({ view }: { view: EcgReadingView }) {
  const { t, i18n } = useTranslation(['ecg', 'reading']);
  const recordings = view.recordings ?? [];
  const earlier = view.previous ?? [];
  const current = recordings.find((r) => r.observationId === view.recordingId) ?? recordings[0];
  const [chosenPrevious, setPreviousId] = useState<string>();
  const previousId = chosenPrevious ?? earlier[0]?.observationId;
  const previous = earlier.find((p) => p.observationId === previousId);
  const [gain, setGain] = useState(10);
  const [fit, setFit] = useState(true);
  // The previous ECG is shown beside this one whenever there is one, unless the reader hides it.
  const [compare, setCompare] = useState(true);
  const [stacked, setStacked] = useState(false);
  const [calipers, setCalipers] = useState<Record<string, Caliper[]>>({});
  const calipersOf = (id: string) => calipers[`${id}:${gain}`] ?? [];
  const setCalipersOf = (id: string) => (list: Caliper[]) =>
    setCalipers((all) => ({ ...all, [`${id}:${gain}`]: list }));

  if (!current) return <Alert type="info" showIcon title={t('ecg:status.awaiting-images')} />;
  const value = (summary: EcgSummary | undefined, key: string) => summary?.measurements[key]?.value;
  const rows = MEASUREMENTS.map((m) => {
    const now = value(current, `hub.${m.key}`);
    const before = value(previous, `hub.${m.key}`);
    return {
      key: m.key,
      label: t(`ecg:measurement.${m.key}`),
      unit: m.unit,
      hub: now,
      cart: value(current, `cart.${m.cart ?? m.key}`),
      previous: before,
      changed:
        m.delta !== undefined && now !== undefined && before !== undefined
          ? Math.abs(now - before) >= m.delta
          : false,
    };
  });
  const round = (v?: number) => (v === undefined ? '—' : String(Math.round(v)));
  // One row per source, a column per measurement: dense, and the change reads across.
  const sources: Array<{ source: 'hub' | 'cart' | 'previous'; label: string }> = [
    { source: 'hub', label: t('ecg:measurement.hub') },
    { source: 'cart', label: t('ecg:measurement.cart') },
    ...(previous
      ? [
          {
            source: 'previous' as const,
            label: t('ecg:measurement.previous', {
              time: formatDateTime(previous.effectiveDateTime, i18n.language),
            }),
          },
        ]
      : []),
  ];
  const showPrevious = compare && previous;

  return (
    <div style={{ display: 'flex', flexDirection: 'column', gap: 8, minHeight: 0, flex: 1 }}>
      <div className="reading-banner" style={{ gap: 8 }}>
        <Space size={4}>
          <span className="reading-muted">{t('ecg:sheet.gain')}</span>
          <Segmented<number>
            size="small"
            data-testid="ecg-gain"
            value={gain}
            onChange={setGain}
            options={[5, 10, 20].map((g) => ({ value: g, label: `${g} mm/mV` }))}
          />
        </Space>
        <Segmented<string>
          size="small"
          data-testid="ecg-scale"
          value={fit ? 'fit' : 'true'}
          onChange={(v) => setFit(v === 'fit')}
          options={[
            { value: 'fit', label: t('ecg:sheet.fit') },
            { value: 'true', label: t('ecg:sheet.trueSize') },
          ]}
        />
        <Tooltip title={earlier.length ? undefined : t('ecg:sheet.noPrevious')}>
          <Space size={4}>
            <Switch
              size="small"
              checked={Boolean(showPrevious)}
              disabled={!earlier.length}
              onChange={setCompare}
              data-testid="ecg-compare"
            />
            <span>{t('ecg:sheet.compare')}</span>
          </Space>
        </Tooltip>
        {showPrevious && (
          <Segmented<string>
            size="small"
            value={stacked ? 'stacked' : 'side'}
            onChange={(v) => setStacked(v === 'stacked')}
            options={[
              { value: 'side', label: t('ecg:sheet.sideBySide') },
              { value: 'stacked', label: t('ecg:sheet.stacked') },
            ]}
          />
        )}
        {showPrevious && earlier.length > 1 && (
          <Select<string>
            size="small"
            style={{ width: 200 }}
            value={previousId}
            onChange={setPreviousId}
            options={earlier.map((p) => ({
              value: p.observationId,
              label: formatDateTime(p.effectiveDateTime, i18n.language) || p.observationId,
            }))}
          />
        )}
        <span style={{ flex: 1 }} />
        <span className="reading-muted">{t('ecg:calipers.hint')}</span>
        <Button
          size="small"
          icon={<ClearOutlined />}
          data-testid="calipers-clear"
          onClick={() => setCalipers({})}
        >
          {t('ecg:calipers.clear')}
        </Button>
      </div>
      <Table
        size="small"
        data-testid="ecg-measurements"
        pagination={false}
        rowKey="source"
        dataSource={sources}
        columns={[
          { title: '', dataIndex: 'label', width: 170, ellipsis: true },
          ...rows.map((m) => ({
            title: `${m.label} (${m.unit})`,
            key: m.key,
            render: (_: unknown, source: (typeof sources)[number]) => {
              const value = m[source.source];
              if (source.source !== 'hub') return round(value);
              // A clear change since the previous ECG is marked on this one, with its direction.
              const trend =
                m.changed && m.hub !== undefined && m.previous !== undefined
                  ? m.hub > m.previous
                    ? ' ↑'
                    : ' ↓'
                  : '';
              return (
                <strong
                  data-testid={`measure-${m.key}`}
                  className={trend ? 'reading-soon' : undefined}
                  title={trend ? t('ecg:measurement.changed') : undefined}
                >
                  {round(value)}
                  {trend}
                </strong>
              );
            },
          })),
        ]}
      />
      {current.flags.length > 0 && (
        <Alert type="error" showIcon title={current.flags.join('；')} data-testid="ecg-flags" />
      )}
      <div className={`ecg-sheets${stacked ? ' stacked' : ''}`}>
        <SheetPanel
          title={t('ecg:sheet.current', {
            time: formatDateTime(current.effectiveDateTime, i18n.language),
          })}
          summary={current}
          gain={gain}
          fit={fit}
          calipers={calipersOf(current.observationId)}
          onCalipers={setCalipersOf(current.observationId)}
          testId="ecg-sheet-current"
        />
        {showPrevious && (
          <SheetPanel
            title={t('ecg:sheet.previous', {
              time: formatDateTime(previous.effectiveDateTime, i18n.language),
            })}
            summary={previous}
            gain={gain}
            fit={fit}
            calipers={calipersOf(previous.observationId)}
            onCalipers={setCalipersOf(previous.observationId)}
            testId="ecg-sheet-previous"
          />
        )}
      </div>
    </div>
  );
}

function SheetPanel({
  title,
  summary,
  gain,
  fit,
  calipers,
  onCalipers,
  testId,
}: {
  title: string;
  summary: EcgSummary;
  gain: number;
  fit: boolean;
  calipers: Caliper[];
  onCalipers: (calipers: Caliper[]) => void;
  testId: string;
}) {
  const { t } = useTranslation('ecg');
  return (
    <div className="ecg-sheet">
      <Typography.Text strong>{title}</Typography.Text>
      <EcgSheet
        recordingId={summary.observationId}
        gain={gain}
        fit={fit}
        calipers={calipers}
        onCalipers={onCalipers}
        testId={testId}
      />
      <div className="reading-muted" data-testid={`${testId}-readouts`}>
        {calipers.map((caliper, index) => {
          const { ms, mv, rate } = measureCaliper(caliper, gain);
          return (
            <div key={index} data-testid={`${testId}-caliper-${index + 1}`}>
              {t('calipers.readout', {
                n: index + 1,
                ms: Math.round(ms),
                rate: rate ? Math.round(rate) : '—',
                mv: mv.toFixed(2),
              })}
            </div>
          );
        })}
      </div>
    </div>
  );
}

interface EcgForm {
  statements: string[];
  text: string;
}

const fromView = (view: ReadingView): EcgForm => {
  const statements = view.coded?.statements;
  const text = view.coded?.text;
  return {
    statements: Array.isArray(statements) ? statements : [],
    text: typeof text === 'string' ? text : '',
  };
};

/** The conclusion from the catalogue's statements, words after them, a critical finding, sign. */
function EcgReport({ view }: { view: EcgReadingView }) {
  const { t, i18n } = useTranslation(['ecg', 'reading']);
  const { modal } = App.useApp();
  const catalogue = useQuery({
    queryKey: ['ecg', 'statements'],
    queryFn: () => api<EcgStatement[]>('/api/ecg/statements'),
    staleTime: Infinity,
  });
  const statements = catalogue.data ?? [];
  const byCode = new Map(statements.map((s) => [s.code, s]));
  const report = useReportForm<EcgForm>('ecg', view, fromView, (form, critical) =>
    form.statements.length || form.text.trim()
      ? {
          statements: form.statements,
          ...(form.text.trim() ? { text: form.text.trim() } : {}),
          ...(criticalBody(critical) !== undefined ? { critical: criticalBody(critical) } : {}),
        }
      : undefined,
  );
  const { form, setForm, permissions } = report;
  const disabled = !permissions.editable;
  const text = useTextFields<EcgField>(
    { text: form.text },
    (_field, value) => setForm((f) => ({ ...f, text: value })),
    'text',
  );
  const label = (s: EcgStatement) => (i18n.language === 'en' ? s.en : s.zh);
  const add = (code: string) =>
    setForm((f) =>
      f.statements.includes(code) ? f : { ...f, statements: [...f.statements, code] },
    );
  const remove = (code: string) =>
    setForm((f) => ({ ...f, statements: f.statements.filter((c) => c !== code) }));
  const criticalChosen = form.statements.filter((code) => byCode.get(code)?.critical);
  const groups = [...new Set(statements.map((s) => s.group))];

  const applyTemplate = (template: ReportTemplate<EcgField>) => {
    const fill = () =>
      setForm(() => ({
        statements: Array.isArray(template.coded?.statements) ? template.coded.statements : [],
        text: template.fields.text ? localized(template.fields.text, i18n.language) : '',
      }));
    if (!form.statements.length && !form.text.trim()) fill();
    else
      modal.confirm({
        title: t('reading:library.replaceTitle'),
        content: t('reading:library.replaceContent', {
          name: localized(template.name, i18n.language),
        }),
        okText: t('reading:library.replace'),
        cancelText: t('common:cancel'),
        onOk: fill,
      });
  };

  return (
    <ReportPanel
      centre="ecg"
      view={view}
      permissions={permissions}
      commands={report.commands}
      autosave={report.autosave}
      draftReady={report.draftReady}
      incompleteHint={t('ecg:report.incomplete')}
      library={
        <ReportLibrary<EcgField>
          templates={ecgTemplates}
          phrases={ecgPhrases}
          disabled={disabled}
          onTemplate={applyTemplate}
          onPhrase={(phrase) => text.insert(phrase)}
          targetLabel={t('ecg:report.text')}
        />
      }
    >
      {view.findings && (
        <>
          <div className="reading-field-label">{t('ecg:report.findings')}</div>
          <div
            className="reading-muted"
            style={{ whiteSpace: 'pre-wrap' }}
            data-testid="ecg-findings"
          >
            {view.findings}
          </div>
        </>
      )}
      <div className="reading-field-label">
        <span>
          {t('ecg:report.statements')}
          <span style={{ color: '#cf1322', marginLeft: 2 }}>*</span>
        </span>
      </div>
      <div data-testid="ecg-statements-chosen" style={{ minHeight: 28 }}>
        {form.statements.map((code, index) => {
          const s = byCode.get(code);
          return (
            <Tag
              key={code}
              closable={!disabled}
              onClose={() => remove(code)}
              color={s?.critical ? 'red' : 'blue'}
              data-testid={`ecg-statement-${code}`}
              style={{ marginBottom: 4 }}
            >
              {index + 1}. {s ? label(s) : code}
            </Tag>
          );
        })}
      </div>
      <Select<string>
        data-testid="ecg-statement-picker"
        style={{ width: '100%' }}
        placeholder={t('ecg:report.addStatement')}
        disabled={disabled}
        loading={catalogue.isLoading}
        value={null}
        showSearch={{ optionFilterProp: 'label' }}
        onChange={add}
        options={groups.map((group) => ({
          label: t(`ecg:group.${group}`, { defaultValue: group }),
          options: statements
            .filter((s) => s.group === group)
            .map((s) => ({
              value: s.code,
              label: `${label(s)} · ${i18n.language === 'en' ? s.zh : s.en}`,
            })),
        }))}
      />
      <Tabs
        size="small"
        className="reading-phrase-tabs"
        items={groups.map((group) => ({
          key: group,
          label: (
            <span data-testid={`statement-group-${group}`}>
              {t(`ecg:group.${group}`, { defaultValue: group })}
            </span>
          ),
          children: (
            <div className="reading-phrases">
              {statements
                .filter((s) => s.group === group)
                .map((s) => (
                  <Tag
                    key={s.code}
                    color={
                      s.critical ? 'red' : form.statements.includes(s.code) ? 'blue' : undefined
                    }
                    data-testid={`statement-option-${s.code}`}
                    onClick={() => !disabled && add(s.code)}
                    style={disabled ? { cursor: 'not-allowed', opacity: 0.6 } : undefined}
                  >
                    {label(s)}
                  </Tag>
                ))}
            </div>
          ),
        }))}
      />
      {criticalChosen.length > 0 && (
        <Alert
          type="error"
          showIcon
          style={{ marginTop: 8 }}
          title={t('ecg:report.criticalStatement', {
            statements: criticalChosen.map((c) => label(byCode.get(c) as EcgStatement)).join('、'),
          })}
        />
      )}
      <ReportTextField
        label={t('ecg:report.text')}
        testId="report-text"
        value={form.text}
        onChange={(value) => setForm((f) => ({ ...f, text: value }))}
        disabled={disabled}
        rows={3}
        maxLength={5000}
        bind={text.bind('text')}
      />
      <CriticalFlag
        value={report.critical}
        onChange={report.setCritical}
        suggestions={ecgCriticalFindings}
        disabled={disabled}
      />
    </ReportPanel>
  );
}
