import { useQuery } from '@tanstack/react-query';
import { App, AutoComplete, Input, Select, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { api } from '../../api';
import { CriticalFlag, criticalBody } from '../../components/reading/CriticalFlag';
import { PatientBanner } from '../../components/reading/PatientBanner';
import { useReading } from '../../components/reading/reading-api';
import { ReadingQueryState } from '../../components/reading/ReadingQueryState';
import { ReportLibrary } from '../../components/reading/ReportLibrary';
import { ReportPanel } from '../../components/reading/ReportPanel';
import { ReportTextField } from '../../components/reading/ReportTextField';
import {
  type Localized,
  type ReadingView,
  type ReportTemplate,
  localized,
} from '../../components/reading/types';
import { useReportForm } from '../../components/reading/useReportForm';
import { useTextFields } from '../../components/reading/useTextFields';
import '../../components/reading/reading.css';
import { CasePanel, useCase } from './CasePanel';
import {
  type PathologyField,
  pathologyCriticalFindings,
  pathologyGrades,
  pathologyMargins,
  pathologyPhrases,
  pathologyTemplates,
} from './report-library';

interface Catalogues {
  histologicalTypes: Array<{ code: string; zh: string; en: string; malignant: boolean }>;
  stains: string[];
}

/** The pathologist's reading screen: the case's chain beside the structured report. */
export function PathologyReadingPage() {
  const { orderId = '' } = useParams();
  const reading = useReading('pathology', orderId);
  return (
    <ReadingQueryState centre="pathology" query={reading}>
      {(view) => (
        <div className="reading-page">
          <PatientBanner centre="pathology" view={view} />
          <div className="reading-body">
            <PathologyReport view={view} />
          </div>
        </div>
      )}
    </ReadingQueryState>
  );
}

interface PathologyForm {
  microscopic: string;
  diagnosis: string;
  site: string;
  histologicalType: string;
  grade: string;
  margins: string;
}

const coded = (view: ReadingView, key: string) => {
  const value = view.coded?.[key];
  return typeof value === 'string' ? value : '';
};

const fromView = (view: ReadingView): PathologyForm => ({
  microscopic: coded(view, 'microscopic'),
  // A preliminary (frozen) result is not the final diagnosis: the report starts empty after it.
  diagnosis: view.status === 'preliminary' ? '' : (view.impression ?? ''),
  site: coded(view, 'site'),
  histologicalType: coded(view, 'histologicalType'),
  grade: coded(view, 'grade'),
  margins: coded(view, 'margins'),
});

/**
 * The report: 取材部位, 组织学类型 (a malignant one needs a second pathologist), 分级, 切缘,
 * 镜下所见 and 病理诊断, from templates and phrases; the gross description comes from grossing.
 */
function PathologyReport({ view }: { view: ReadingView }) {
  const { t, i18n } = useTranslation(['pathology', 'reading']);
  const { modal } = App.useApp();
  const catalogues = useQuery({
    queryKey: ['pathology', 'catalogues'],
    queryFn: () => api<Catalogues>('/api/pathology/catalogues'),
    staleTime: Infinity,
  });
  const pathologyCase = useCase(view.orderId);
  const report = useReportForm<PathologyForm>('pathology', view, fromView, (form, critical) => {
    if (!form.microscopic.trim() || !form.diagnosis.trim()) return undefined;
    const optional = (value: string) => (value.trim() ? value.trim() : undefined);
    return {
      microscopic: form.microscopic.trim(),
      diagnosis: form.diagnosis.trim(),
      site: optional(form.site),
      histologicalType: optional(form.histologicalType),
      grade: optional(form.grade),
      margins: optional(form.margins),
      ...(criticalBody(critical) !== undefined ? { critical: criticalBody(critical) } : {}),
    };
  });
  const { form, setForm, permissions } = report;
  const disabled = !permissions.editable;
  const set = (field: keyof PathologyForm, value: string) =>
    setForm((current) => ({ ...current, [field]: value }));
  const text = useTextFields<PathologyField>(form, set, 'microscopic');
  const types = catalogues.data?.histologicalTypes ?? [];
  const chosenType = types.find((type) => type.code === form.histologicalType);
  const typeName = (type: { zh: string; en: string }) =>
    i18n.language === 'en' ? type.en : type.zh;
  const sites = [...new Set((pathologyCase.data?.specimens ?? []).map((s) => s.site))].join('；');

  const applyTemplate = (template: ReportTemplate<PathologyField>) => {
    const value = (key: string) => {
      const v = template.coded?.[key];
      return typeof v === 'string' ? v : undefined;
    };
    const fill = () =>
      setForm((current) => ({
        ...current,
        microscopic: template.fields.microscopic
          ? localized(template.fields.microscopic, i18n.language)
          : current.microscopic,
        diagnosis: template.fields.diagnosis
          ? localized(template.fields.diagnosis, i18n.language)
          : current.diagnosis,
        histologicalType: value('histologicalType') ?? current.histologicalType,
        grade: value('grade') ?? current.grade,
        margins: value('margins') ?? current.margins,
        site: current.site || sites,
      }));
    if (!form.microscopic.trim() && !form.diagnosis.trim()) fill();
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

  const suggestions = (list: Localized[]) =>
    list.map((item) => ({
      value: localized(item, i18n.language),
      label: localized(item, i18n.language),
    }));
  const frozenAllowed =
    permissions.licensed &&
    !permissions.claimedByOther &&
    ['unread', 'claimed'].includes(view.status) &&
    view.history.length === 0;

  return (
    <>
      <div className="reading-work">
        <CasePanel
          orderId={view.orderId}
          frozenAllowed={frozenAllowed}
          commands={report.commands}
        />
      </div>
      <ReportPanel
        centre="pathology"
        view={view}
        permissions={permissions}
        commands={report.commands}
        autosave={report.autosave}
        draftReady={report.draftReady}
        incompleteHint={t('pathology:report.incomplete')}
        cosignReason={chosenType?.malignant ? t('pathology:report.malignantCosign') : undefined}
        library={
          <ReportLibrary<PathologyField>
            templates={pathologyTemplates}
            phrases={pathologyPhrases}
            itemCode={view.item?.code}
            disabled={disabled}
            onTemplate={applyTemplate}
            onPhrase={(phrase) => text.insert(phrase)}
            targetLabel={t(`pathology:report.${text.target}`)}
          />
        }
      >
        <div className="reading-field-label">{t('pathology:report.site')}</div>
        <Input
          data-testid="report-site"
          value={form.site}
          disabled={disabled}
          maxLength={200}
          placeholder={sites}
          onChange={(e) => set('site', e.target.value)}
          onFocus={() => !form.site && sites && !disabled && set('site', sites)}
        />
        <div className="reading-field-label">
          <span>{t('pathology:report.histologicalType')}</span>
          {chosenType?.malignant && (
            <Tag color="red" data-testid="malignant-tag">
              {t('pathology:report.malignant')}
            </Tag>
          )}
        </div>
        <Select<string>
          data-testid="report-histological-type"
          style={{ width: '100%' }}
          allowClear
          disabled={disabled}
          loading={catalogues.isLoading}
          value={form.histologicalType || undefined}
          onChange={(code) => set('histologicalType', code ?? '')}
          showSearch={{ optionFilterProp: 'label' }}
          options={[false, true].map((malignant) => ({
            label: malignant
              ? t('pathology:report.malignantTypes')
              : t('pathology:report.benignTypes'),
            options: types
              .filter((type) => type.malignant === malignant)
              .map((type) => ({ value: type.code, label: typeName(type) })),
          }))}
        />
        <div style={{ display: 'flex', gap: 8 }}>
          <div style={{ flex: 1 }}>
            <div className="reading-field-label">{t('pathology:report.grade')}</div>
            <AutoComplete
              data-testid="report-grade"
              style={{ width: '100%' }}
              value={form.grade}
              disabled={disabled}
              options={suggestions(pathologyGrades)}
              onChange={(value: string) => set('grade', value)}
            />
          </div>
          <div style={{ flex: 1 }}>
            <div className="reading-field-label">{t('pathology:report.margins')}</div>
            <AutoComplete
              data-testid="report-margins"
              style={{ width: '100%' }}
              value={form.margins}
              disabled={disabled}
              options={suggestions(pathologyMargins)}
              onChange={(value: string) => set('margins', value)}
            />
          </div>
        </div>
        {pathologyCase.data?.gross && (
          <>
            <div className="reading-field-label">{t('pathology:report.gross')}</div>
            <div className="reading-muted" style={{ whiteSpace: 'pre-wrap' }}>
              {pathologyCase.data.gross.description}
            </div>
          </>
        )}
        <ReportTextField
          label={t('pathology:report.microscopic')}
          testId="report-microscopic"
          value={form.microscopic}
          onChange={(value) => set('microscopic', value)}
          disabled={disabled}
          rows={6}
          bind={text.bind('microscopic')}
          required
        />
        <ReportTextField
          label={t('pathology:report.diagnosis')}
          testId="report-diagnosis"
          value={form.diagnosis}
          onChange={(value) => set('diagnosis', value)}
          disabled={disabled}
          rows={3}
          maxLength={5000}
          bind={text.bind('diagnosis')}
          required
        />
        <CriticalFlag
          value={report.critical}
          onChange={report.setCritical}
          suggestions={pathologyCriticalFindings}
          disabled={disabled}
        />
      </ReportPanel>
    </>
  );
}
