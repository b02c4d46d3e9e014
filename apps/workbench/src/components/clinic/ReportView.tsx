import { useQuery } from '@tanstack/react-query';
import { Alert, Descriptions, Skeleton, Table, Typography } from 'antd';
import type {
  DiagnosticReport,
  Observation,
  ObservationComponent,
  ObservationReferenceRange,
  Patient,
  Quantity,
  Reference,
} from 'fhir/r4';
import { type TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { formatDateTime, maskResidentId } from '../format';
import { type CatalogueEntry, conceptName, useCatalogue } from './catalogue';
import {
  ageOf,
  attachmentText,
  hasRecognitionMark,
  idOf,
  patientName,
  readMany,
  residentIdOf,
} from './fhir';
import { RecognitionMark, ReportStatusTag } from './tags';

/** One line of the results table. */
interface ResultRow {
  key: string;
  name: string;
  value: string;
  unit: string;
  range: string;
  flag?: string;
}

const HUB_ECG_MEASUREMENT = 'urn:hub:ecg-measurement';
const FLAGS = ['H', 'L', 'HH', 'LL', 'A'];

const number = (quantity: Quantity | undefined) =>
  quantity?.value === undefined ? '' : String(quantity.value);

function rangeText(range: ObservationReferenceRange | undefined): string {
  if (!range) return '';
  if (range.text) return range.text;
  const low = number(range.low);
  const high = number(range.high);
  if (low && high) return `${low} – ${high}`;
  if (low) return `≥ ${low}`;
  if (high) return `≤ ${high}`;
  return '';
}

/** The measured lines of an Observation: its own value, or (ECG) the hub's measurements. */
function rowsOf(observation: Observation, t: TFunction, language: string): ResultRow[] {
  const name = (concept: Observation['code'], ownText = false) => {
    const loinc = concept.coding?.find((c) => c.system === 'http://loinc.org')?.code;
    const known = loinc ? t(`measure.${loinc}`, { defaultValue: '' }) : '';
    if (known) return known;
    // A measurement's own label tells variants of one LOINC code apart (QTc Bazett/Fridericia).
    if (ownText && concept.text) return concept.text;
    return (
      (language === 'en' ? concept.coding?.[0]?.display : concept.text) ??
      concept.text ??
      concept.coding?.[0]?.display ??
      ''
    );
  };
  const flagOf = (value: { interpretation?: Observation['interpretation'] }) => {
    const code = value.interpretation?.[0]?.coding?.[0]?.code;
    return code && FLAGS.includes(code) ? code : undefined;
  };
  if (
    observation.valueQuantity ||
    observation.valueString ||
    observation.valueCodeableConcept ||
    !observation.component?.length
  )
    return [
      {
        key: observation.id ?? name(observation.code),
        name: name(observation.code),
        value:
          observation.valueQuantity !== undefined
            ? number(observation.valueQuantity)
            : (observation.valueString ??
              observation.valueCodeableConcept?.text ??
              observation.valueCodeableConcept?.coding?.[0]?.display ??
              ''),
        unit: observation.valueQuantity?.unit ?? '',
        range: rangeText(observation.referenceRange?.[0]),
        flag: flagOf(observation),
      },
    ];
  // An ECG: the hub's global measurements (the leads' waveforms and the cart's values are not
  // what the report states).
  const measured = (component: ObservationComponent) =>
    component.valueQuantity !== undefined &&
    component.code.coding?.some(
      (c) => c.system === HUB_ECG_MEASUREMENT && c.code?.startsWith('hub.'),
    );
  return observation.component.filter(measured).map((component, index) => ({
    key: `${observation.id ?? ''}-${index}`,
    name: name({ ...component.code, text: component.code.text?.replace(/, hub$/, '') }, true),
    value: number(component.valueQuantity),
    unit: component.valueQuantity?.unit ?? '',
    range: rangeText(component.referenceRange?.[0]),
    flag: flagOf(component),
  }));
}

/** The performing centre's name in the person's language. */
export function performerName(
  performer: Reference | undefined,
  catalogue: CatalogueEntry[] | undefined,
  language: string,
): string {
  if (!performer) return '';
  const code =
    performer.identifier?.value ?? idOf(performer.reference, 'Organization')?.toUpperCase();
  const organization = catalogue?.find((e) => e.centreOrg?.code === code)?.centreOrg;
  if (organization) return language === 'en' ? organization.nameEn : organization.name;
  return performer.display ?? code ?? '';
}

const HEADINGS = ['LAB', 'EC', 'RAD', 'SP'];

/**
 * A report as a printable page: the centre and kind of report, the HR mark (互认 HR) when the
 * result is mutually recognized, the patient, dates and who reported, the measured results with
 * units, reference ranges and flags, the conclusion and the report text. The Observations are
 * read when the clinic may see them (a prior result offered by the recognition check is shown
 * from the report alone).
 */
export function ReportView({ report }: { report: DiagnosticReport }) {
  const { t, i18n } = useTranslation('clinic');
  const language = i18n.language;
  const catalogue = useCatalogue();
  const patientId = idOf(report.subject?.reference, 'Patient');
  const patient = useQuery({
    queryKey: ['clinic', 'patient', patientId],
    queryFn: () => api<Patient>(`/fhir/Patient/${patientId}`),
    enabled: Boolean(patientId),
  });
  const observationIds = (report.result ?? []).flatMap(
    (ref) => idOf(ref.reference, 'Observation') ?? [],
  );
  const observations = useQuery({
    queryKey: ['clinic', 'observations', observationIds],
    queryFn: () => readMany<Observation>('Observation', observationIds),
    enabled: observationIds.length > 0,
  });
  const rows = (observations.data ?? []).flatMap((o) => rowsOf(o, t, language));
  const section = report.category?.flatMap((c) => c.coding ?? []).find((c) => c.code)?.code;
  const heading = t(`report.heading.${section && HEADINGS.includes(section) ? section : 'other'}`);
  const performer = performerName(report.performer?.[0], catalogue.data, language);
  const texts = (report.presentedForm ?? [])
    .filter((form) => form.contentType?.startsWith('text/plain'))
    .map((form) => attachmentText(form.data))
    .filter(Boolean);
  const subject = patient.data;
  const age = ageOf(subject?.birthDate);

  return (
    <div className="clinic-report" data-testid="report-view">
      <div style={{ display: 'flex', alignItems: 'flex-start', justifyContent: 'space-between' }}>
        <div>
          <Typography.Title level={4} style={{ margin: 0 }}>
            {performer}
          </Typography.Title>
          <Typography.Title level={5} style={{ marginTop: 4 }}>
            {heading} · {conceptName(report.code, catalogue.data, language)}
          </Typography.Title>
        </div>
        <div style={{ textAlign: 'right' }}>
          {hasRecognitionMark(report) && <RecognitionMark />}
          <ReportStatusTag status={report.status} />
        </div>
      </div>
      <Descriptions
        bordered
        size="small"
        column={{ xs: 1, sm: 2, md: 3 }}
        styles={{ label: { whiteSpace: 'nowrap' } }}
        style={{ margin: '12px 0' }}
        items={[
          { key: 'name', label: t('report.patient'), children: patientName(subject) },
          {
            key: 'sex',
            label: t('report.sex'),
            children: subject?.gender ? t(`sex.${subject.gender}`) : '',
          },
          {
            key: 'age',
            label: t('report.age'),
            children: age === undefined ? '' : t('patient.age', { count: age }),
          },
          {
            key: 'id',
            label: t('report.residentId'),
            children: maskResidentId(residentIdOf(subject)),
          },
          {
            key: 'item',
            label: t('report.item'),
            children: conceptName(report.code, catalogue.data, language),
          },
          {
            key: 'effective',
            label: t('report.effective'),
            children: formatDateTime(
              report.effectiveDateTime ?? report.effectivePeriod?.start,
              language,
            ),
          },
          {
            key: 'issued',
            label: t('report.issued'),
            children: formatDateTime(report.issued, language),
          },
          {
            key: 'interpreter',
            label: t('report.interpreter'),
            children: (report.resultsInterpreter ?? []).map((r) => r.display).join('、'),
          },
        ]}
      />
      {observationIds.length > 0 &&
        (observations.isLoading ? (
          <Skeleton active paragraph={{ rows: 3 }} />
        ) : rows.length > 0 ? (
          <Table<ResultRow>
            size="small"
            bordered
            pagination={false}
            rowKey="key"
            dataSource={rows}
            data-testid="report-results"
            style={{ marginBottom: 12 }}
            columns={[
              { title: t('report.name'), dataIndex: 'name' },
              {
                title: t('report.value'),
                dataIndex: 'value',
                align: 'right',
                render: (value: string, row) => (
                  <span
                    style={{
                      fontWeight: row.flag ? 600 : undefined,
                      color: row.flag === 'HH' || row.flag === 'LL' ? '#cf1322' : undefined,
                    }}
                  >
                    {value}
                  </span>
                ),
              },
              { title: t('report.unit'), dataIndex: 'unit' },
              { title: t('report.range'), dataIndex: 'range' },
              {
                title: t('report.flag'),
                dataIndex: 'flag',
                render: (flag: string | undefined) =>
                  flag ? (
                    <span
                      style={{
                        color: flag === 'HH' || flag === 'LL' ? '#cf1322' : '#d46b08',
                        fontWeight: 600,
                      }}
                    >
                      {t(`flag.${flag}`)}
                    </span>
                  ) : null,
              },
            ]}
          />
        ) : null)}
      {texts.length > 0 && (
        <>
          <Typography.Text strong>{t('report.findings')}</Typography.Text>
          <pre
            style={{
              whiteSpace: 'pre-wrap',
              fontFamily: 'inherit',
              background: '#fafafa',
              border: '1px solid #f0f0f0',
              padding: 12,
              margin: '4px 0 12px',
            }}
          >
            {texts.join('\n\n')}
          </pre>
        </>
      )}
      {report.conclusion && (
        <div style={{ marginBottom: 12 }} data-testid="report-conclusion">
          <Typography.Text strong>{t('report.conclusion')}</Typography.Text>
          <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', margin: '4px 0 0' }}>
            {report.conclusion}
          </Typography.Paragraph>
        </div>
      )}
      {hasRecognitionMark(report) && (
        <Alert type="success" showIcon title={t('report.hrHint')} style={{ marginBottom: 12 }} />
      )}
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t('report.footer', { performer })}
      </Typography.Text>
    </div>
  );
}
