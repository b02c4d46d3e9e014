import { ReloadOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Space, Typography } from 'antd';
import type { DiagnosticReport } from 'fhir/r4';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { searchFhir } from '../../components/clinic/fhir';
import { ReportTable } from '../../components/clinic/ReportTable';

const PAGE_SIZE = 20;

/** The reports the clinic may read (its orders' and the recognized results it reused), newest first. */
export function ReportsPage() {
  const { t } = useTranslation('clinic');
  const common = useTranslation().t;
  const [page, setPage] = useState(1);
  const reports = useQuery({
    queryKey: ['clinic', 'reports', page],
    refetchInterval: 60_000,
    queryFn: () =>
      searchFhir<DiagnosticReport>('DiagnosticReport', {
        _sort: '-issued',
        _count: String(PAGE_SIZE),
        _offset: String((page - 1) * PAGE_SIZE),
      }),
  });
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'flex-end' }}>
        <div>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t('reports.title')}
          </Typography.Title>
          <Typography.Text type="secondary">{t('reports.subtitle')}</Typography.Text>
        </div>
        <Button icon={<ReloadOutlined />} onClick={() => void reports.refetch()}>
          {common('refresh')}
        </Button>
      </div>
      {reports.isError && <Alert type="error" showIcon title={reports.error.message} />}
      <ReportTable
        reports={reports.data?.items}
        loading={reports.isLoading}
        pagination={{
          current: page,
          pageSize: PAGE_SIZE,
          total: reports.data?.total,
          showSizeChanger: false,
          onChange: setPage,
        }}
      />
    </Space>
  );
}
