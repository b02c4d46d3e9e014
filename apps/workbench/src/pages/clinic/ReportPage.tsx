import { ArrowLeftOutlined, PrinterOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Button, Card, Result, Skeleton, Space, Typography } from 'antd';
import type { DiagnosticReport } from 'fhir/r4';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { ApiError, api } from '../../api';
import { ReportView } from '../../components/clinic/ReportView';
import { formatDateTime } from '../../components/format';

/** On paper: no card frame, no shadow; the page's own margins. */
const PRINT_STYLE = `
@media print {
  .clinic-report-paper { border: none !important; box-shadow: none !important; max-width: none !important; }
  .clinic-report-paper .ant-card-body { padding: 0 !important; }
  @page { size: A4; margin: 12mm; }
}`;

/** One report on its own, as it prints (the shell and the buttons stay off the paper). */
export function ReportPage() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation('clinic');
  const navigate = useNavigate();
  const report = useQuery({
    queryKey: ['clinic', 'reports', 'one', id],
    queryFn: () => api<DiagnosticReport>(`/fhir/DiagnosticReport/${id}`),
  });
  if (report.isError)
    return (
      <Result
        status={report.error instanceof ApiError && report.error.status === 404 ? '404' : 'error'}
        title={
          report.error instanceof ApiError && report.error.status === 404
            ? t('report.notFound')
            : report.error.message
        }
        extra={<Button onClick={() => void navigate(-1)}>{t('report.back')}</Button>}
      />
    );
  return (
    <>
      <style>{PRINT_STYLE}</style>
      <Space className="no-print" style={{ marginBottom: 16 }}>
        <Button icon={<ArrowLeftOutlined />} onClick={() => void navigate(-1)}>
          {t('report.back')}
        </Button>
        <Button
          type="primary"
          icon={<PrinterOutlined />}
          onClick={() => window.print()}
          data-testid="report-print"
          disabled={!report.data}
        >
          {t('report.print')}
        </Button>
      </Space>
      <Card className="clinic-report-paper" style={{ maxWidth: 960 }}>
        {report.data ? <ReportView report={report.data} /> : <Skeleton active />}
        <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12, marginTop: 4 }}>
          {t('report.printedAt', { time: formatDateTime(new Date().toISOString(), i18n.language) })}
        </Typography.Text>
      </Card>
    </>
  );
}
