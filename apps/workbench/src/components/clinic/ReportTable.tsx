import { useQuery } from '@tanstack/react-query';
import { Space, Table, type TableProps, Typography } from 'antd';
import type { DiagnosticReport, Patient } from 'fhir/r4';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { formatDateTime, maskResidentId } from '../format';
import { conceptName, useCatalogue } from './catalogue';
import { hasRecognitionMark, idOf, patientName, readMany, residentIdOf } from './fhir';
import { performerName } from './ReportView';
import { RecognitionMark, ReportStatusTag } from './tags';

/** A page of reports: when, for whom, what, by which centre, its status and the HR mark. */
export function ReportTable({
  reports,
  loading,
  pagination,
  withPatient = true,
}: {
  reports: DiagnosticReport[] | undefined;
  loading?: boolean;
  pagination?: TableProps<DiagnosticReport>['pagination'];
  withPatient?: boolean;
}) {
  const { t, i18n } = useTranslation('clinic');
  const navigate = useNavigate();
  const catalogue = useCatalogue();
  const patientIds = (reports ?? []).flatMap((r) => idOf(r.subject?.reference, 'Patient') ?? []);
  const patients = useQuery({
    queryKey: ['clinic', 'patients', [...new Set(patientIds)].sort()],
    enabled: withPatient && patientIds.length > 0,
    queryFn: () => readMany<Patient>('Patient', patientIds),
  });
  const patientOf = (report: DiagnosticReport) =>
    patients.data?.find((p) => p.id === idOf(report.subject?.reference, 'Patient'));
  return (
    <Table<DiagnosticReport>
      data-testid="reports-table"
      size="middle"
      rowKey="id"
      loading={loading}
      dataSource={reports}
      pagination={pagination ?? false}
      onRow={(report) => ({
        onDoubleClick: () => void navigate(`/clinic/reports/${report.id}`),
      })}
      columns={[
        {
          title: t('reports.issued'),
          key: 'issued',
          width: 150,
          render: (_: unknown, report) =>
            formatDateTime(report.issued ?? report.effectiveDateTime, i18n.language),
        },
        ...(withPatient
          ? [
              {
                title: t('reports.patient'),
                key: 'patient',
                render: (_: unknown, report: DiagnosticReport) => (
                  <Space orientation="vertical" size={0}>
                    <span>{patientName(patientOf(report))}</span>
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {maskResidentId(residentIdOf(patientOf(report)))}
                    </Typography.Text>
                  </Space>
                ),
              },
            ]
          : []),
        {
          title: t('reports.item'),
          key: 'item',
          render: (_: unknown, report) => conceptName(report.code, catalogue.data, i18n.language),
        },
        {
          title: t('reports.performer'),
          key: 'performer',
          render: (_: unknown, report) =>
            performerName(report.performer?.[0], catalogue.data, i18n.language),
        },
        {
          title: t('reports.status'),
          key: 'status',
          render: (_: unknown, report) => <ReportStatusTag status={report.status} />,
        },
        {
          title: t('reports.mark'),
          key: 'mark',
          render: (_: unknown, report) => (hasRecognitionMark(report) ? <RecognitionMark /> : null),
        },
        {
          title: '',
          key: 'open',
          width: 70,
          render: (_: unknown, report) => (
            <Link to={`/clinic/reports/${report.id}`}>{t('reports.open')}</Link>
          ),
        },
      ]}
    />
  );
}
