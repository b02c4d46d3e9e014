import { AlertFilled, CheckCircleFilled, ReloadOutlined, RiseOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Empty, Segmented, Space, Table, Tag, Typography } from 'antd';
import { type ColumnsType } from 'antd/es/table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { AlertHistoryDrawer } from '../../components/critical/AlertHistoryDrawer';
import {
  type AlertFilter,
  findingName,
  findingValue,
  orgName,
  useAlerts,
} from '../../components/critical/alerts';
import { type CriticalAlert } from '../../components/critical/types';
import { minutesSince, useNow } from '../../components/critical/useNow';
import { formatDateTime, formatMinutes } from '../../components/format';
import { PatientLabel } from '../../components/lab/PatientLabel';
import { RowStyles, rowClass } from '../../components/lab/RowStyles';

/**
 * 危急值追踪: the critical values a centre reported (all of them for an administrator) and where
 * each loop stands — open and for how long, escalated, or acknowledged by whom with what read-back.
 */
export function CriticalTrackingPage() {
  const { t, i18n } = useTranslation('critical');
  const { t: tc } = useTranslation();
  const now = useNow(15_000);
  const [filter, setFilter] = useState<AlertFilter>('all');
  const [params, setParams] = useSearchParams();
  const shown = params.get('alert') ?? undefined;
  const show = (id?: string) => setParams(id ? { alert: id } : {}, { replace: true });
  const alerts = useAlerts(filter);
  const en = i18n.language === 'en';
  // Open ones first, each group newest first.
  const rows = [...(alerts.data?.alerts ?? [])].sort(
    (a, b) =>
      Number(b.status === 'open') - Number(a.status === 'open') ||
      Date.parse(b.reportedAt) - Date.parse(a.reportedAt),
  );

  const columns: ColumnsType<CriticalAlert> = [
    {
      title: t('alert.status'),
      key: 'status',
      width: 150,
      render: (_, a) =>
        a.status === 'open' ? (
          <Space orientation="vertical" size={2}>
            <Tag color="#cf1322" variant="solid" icon={<AlertFilled />} data-testid="status-open">
              {t('alert.statusOpen')}
            </Tag>
            <Typography.Text type="danger" style={{ fontSize: 12 }}>
              {t('alert.unacknowledgedFor', {
                time: formatMinutes(tc, minutesSince(a.reportedAt, now)),
              })}
            </Typography.Text>
          </Space>
        ) : (
          <Tag color="success" icon={<CheckCircleFilled />} data-testid="status-acknowledged">
            {t('alert.statusAcknowledged')}
          </Tag>
        ),
    },
    {
      title: t('alert.patient'),
      key: 'patient',
      render: (_, a) => <PatientLabel patient={a.patient} />,
    },
    {
      title: t('alert.value'),
      key: 'value',
      render: (_, a) => (
        <Typography.Text strong style={{ color: '#cf1322' }}>
          {findingName(a.finding, en)} {findingValue(a.finding)}
        </Typography.Text>
      ),
    },
    {
      title: t('alert.clinic'),
      key: 'clinic',
      render: (_, a) => orgName(a.requesterName, a.requesterOrg, en),
    },
    {
      title: t('alert.reportedBy'),
      key: 'reported',
      render: (_, a) => (
        <div style={{ lineHeight: 1.35 }}>
          {a.reportedByName ?? a.reportedBy}
          <br />
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {formatDateTime(a.reportedAt, i18n.language)}
          </Typography.Text>
        </div>
      ),
    },
    {
      title: t('alert.escalation'),
      key: 'escalation',
      render: (_, a) =>
        a.escalationLevel > 0 ? (
          <Tag color="orange" icon={<RiseOutlined />}>
            {t('alert.escalated', { level: a.escalationLevel })}
          </Tag>
        ) : (
          <Typography.Text type="secondary">{t('alert.notEscalated')}</Typography.Text>
        ),
    },
    {
      title: t('alert.acknowledgedBy'),
      key: 'ack',
      render: (_, a) =>
        a.acknowledgement && (
          <div style={{ lineHeight: 1.35 }}>
            {a.acknowledgement.by}
            <br />
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('alert.readBack')}: {a.acknowledgement.readBack} ·{' '}
              {formatMinutes(
                tc,
                (Date.parse(a.acknowledgement.at) - Date.parse(a.reportedAt)) / 60_000,
              )}
            </Typography.Text>
          </div>
        ),
    },
  ];

  return (
    <Card
      title={
        <Space orientation="vertical" size={0}>
          <span>{t('tracking.title')}</span>
          <Typography.Text type="secondary" style={{ fontWeight: 'normal', fontSize: 13 }}>
            {t('tracking.subtitle')}
          </Typography.Text>
        </Space>
      }
      extra={
        <Space>
          <Segmented<AlertFilter>
            value={filter}
            onChange={setFilter}
            options={[
              { value: 'all', label: t('tracking.all') },
              { value: 'open', label: t('alert.statusOpen') },
              { value: 'acknowledged', label: t('alert.statusAcknowledged') },
            ]}
          />
          <Button
            icon={<ReloadOutlined />}
            loading={alerts.isFetching}
            onClick={() => void alerts.refetch()}
          >
            {tc('refresh')}
          </Button>
        </Space>
      }
      styles={{ body: { padding: 0 } }}
    >
      {alerts.error && (
        <Alert
          type="error"
          showIcon
          style={{ margin: 12 }}
          title={tc('error.title')}
          description={alerts.error.message}
        />
      )}
      <Table<CriticalAlert>
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={rows}
        loading={alerts.isLoading}
        pagination={{ pageSize: 50, hideOnSinglePage: true }}
        locale={{ emptyText: <Empty description={t('tracking.empty')} /> }}
        rowClassName={(a) => rowClass(a.status === 'open', a.id === shown)}
        onRow={(a) => ({ onClick: () => show(a.id), style: { cursor: 'pointer' } })}
      />
      <RowStyles />
      <AlertHistoryDrawer id={shown} onClose={() => show(undefined)} />
    </Card>
  );
}
