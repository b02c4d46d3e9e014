import { PlusOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Button, Card, Space, Tabs, Typography } from 'antd';
import type { DiagnosticReport, Patient, ServiceRequest } from 'fhir/r4';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { searchFhir } from '../../components/clinic/fhir';
import { OrderTable } from '../../components/clinic/OrderTable';
import { PatientLookup } from '../../components/clinic/PatientLookup';
import { ReportTable } from '../../components/clinic/ReportTable';

/** A patient of the clinic by 居民身份证号: their orders and reports, and ordering for them. */
export function PatientsPage() {
  const { t } = useTranslation('clinic');
  const navigate = useNavigate();
  const [patient, setPatient] = useState<Patient>();
  const subject = patient?.id ? `Patient/${patient.id}` : undefined;
  const orders = useQuery({
    queryKey: ['clinic', 'orders', 'of', subject],
    enabled: Boolean(subject),
    queryFn: () =>
      searchFhir<ServiceRequest>('ServiceRequest', { subject, _sort: '-authored', _count: '50' }),
  });
  const reports = useQuery({
    queryKey: ['clinic', 'reports', 'of', subject],
    enabled: Boolean(subject),
    queryFn: () =>
      searchFhir<DiagnosticReport>('DiagnosticReport', {
        subject,
        _sort: '-issued',
        _count: '50',
      }),
  });
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <div>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('patients.title')}
        </Typography.Title>
        <Typography.Text type="secondary">{t('patients.subtitle')}</Typography.Text>
      </div>
      <Card size="small">
        <PatientLookup patient={patient} onChange={setPatient} />
      </Card>
      {patient && (
        <Card
          size="small"
          extra={
            <Button
              type="primary"
              icon={<PlusOutlined />}
              onClick={() => void navigate(`/clinic/new-order?patient=${patient.id}`)}
            >
              {t('patients.newOrder')}
            </Button>
          }
        >
          <Tabs
            items={[
              {
                key: 'orders',
                label: `${t('patients.orders')} (${orders.data?.total ?? 0})`,
                children: (
                  <OrderTable
                    orders={orders.data?.items}
                    loading={orders.isLoading}
                    withPatient={false}
                  />
                ),
              },
              {
                key: 'reports',
                label: `${t('patients.reports')} (${reports.data?.total ?? 0})`,
                children: (
                  <ReportTable
                    reports={reports.data?.items}
                    loading={reports.isLoading}
                    withPatient={false}
                  />
                ),
              },
            ]}
          />
        </Card>
      )}
    </Space>
  );
}
