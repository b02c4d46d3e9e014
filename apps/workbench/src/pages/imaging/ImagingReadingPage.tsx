import { Alert, App } from 'antd';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { CriticalFlag, criticalBody } from '../../components/reading/CriticalFlag';
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
import { ImageViewer } from './ImageViewer';
import {
  type ImagingField,
  imagingCriticalFindings,
  imagingPhrases,
  imagingTemplates,
} from './report-library';

/** The radiologist's reading screen: the study beside the report. */
export function ImagingReadingPage() {
  const { orderId = '' } = useParams();
  const reading = useReading('imaging', orderId);
  return (
    <ReadingQueryState centre="imaging" query={reading}>
      {(view) => (
        <div className="reading-page">
          <PatientBanner centre="imaging" view={view} />
          <div className="reading-body">
            <div className="reading-work">
              {view.studyInstanceUid ? (
                <ImageViewer studyUid={view.studyInstanceUid} />
              ) : (
                <ImagingAwaiting />
              )}
            </div>
            <ImagingReport view={view} />
          </div>
        </div>
      )}
    </ReadingQueryState>
  );
}

function ImagingAwaiting() {
  const { t } = useTranslation('imaging');
  return <Alert type="info" showIcon title={t('status.awaiting-images')} />;
}

type Fields = Record<ImagingField, string>;

const fromView = (view: ReadingView): Fields => ({
  findings: view.findings ?? '',
  impression: view.impression ?? '',
});

/** 检查所见 and 诊断意见 from templates and phrases, a critical finding, sign. */
function ImagingReport({ view }: { view: ReadingView }) {
  const { t, i18n } = useTranslation(['imaging', 'reading']);
  const { modal } = App.useApp();
  const report = useReportForm<Fields>('imaging', view, fromView, (form, critical) =>
    form.findings.trim() && form.impression.trim()
      ? {
          findings: form.findings.trim(),
          impression: form.impression.trim(),
          ...(criticalBody(critical) !== undefined ? { critical: criticalBody(critical) } : {}),
        }
      : undefined,
  );
  const { form, setForm, permissions } = report;
  const set = (field: ImagingField, value: string) =>
    setForm((current) => ({ ...current, [field]: value }));
  const text = useTextFields<ImagingField>(form, set, 'findings');
  const disabled = !permissions.editable;

  const applyTemplate = (template: ReportTemplate<ImagingField>) => {
    const fill = () =>
      setForm((current) => ({
        findings: template.fields.findings
          ? localized(template.fields.findings, i18n.language)
          : current.findings,
        impression: template.fields.impression
          ? localized(template.fields.impression, i18n.language)
          : current.impression,
      }));
    if (!form.findings.trim() && !form.impression.trim()) fill();
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
      centre="imaging"
      view={view}
      permissions={permissions}
      commands={report.commands}
      autosave={report.autosave}
      draftReady={report.draftReady}
      incompleteHint={t('report.incomplete')}
      library={
        <ReportLibrary<ImagingField>
          templates={imagingTemplates}
          phrases={imagingPhrases}
          itemCode={view.item?.code}
          disabled={disabled}
          onTemplate={applyTemplate}
          onPhrase={(phrase) => text.insert(phrase)}
          targetLabel={t(`report.${text.target}`)}
        />
      }
    >
      <ReportTextField
        label={t('report.findings')}
        testId="report-findings"
        value={form.findings}
        onChange={(value) => set('findings', value)}
        disabled={disabled}
        rows={8}
        bind={text.bind('findings')}
        required
      />
      <ReportTextField
        label={t('report.impression')}
        testId="report-impression"
        value={form.impression}
        onChange={(value) => set('impression', value)}
        disabled={disabled}
        rows={3}
        bind={text.bind('impression')}
        required
      />
      <CriticalFlag
        value={report.critical}
        onChange={report.setCritical}
        suggestions={imagingCriticalFindings}
        disabled={disabled}
      />
    </ReportPanel>
  );
}
