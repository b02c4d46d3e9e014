import { CheckCircleOutlined, ReloadOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Empty, Space, Table, Typography } from 'antd';
import { type ColumnsType } from 'antd/es/table';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { AlertHistoryDrawer } from '../../components/critical/AlertHistoryDrawer';
import { findingName, findingValue, orgName, useAlerts } from '../../components/critical/alerts';
import { type CriticalAlert } from '../../components/critical/types';
import { useNow } from '../../components/critical/useNow';
import { formatDateTime, formatMinutes } from '../../components/format';
import { PatientLabel } from '../../components/lab/PatientLabel';
import { OpenAlertCard } from './OpenAlertCard';

/**
 * 危急值收件箱: a clinic doctor's critical values. Open alerts come first, each a red card with
 * the read-back that acknowledges it, oldest first; below, what was acknowledged, by whom, with
 * what read-back and how long it took. Each alert's closed loop opens beside it (`?alert=<id>`).
 */
export function CriticalInboxPage() {
  const { t, i18n } = useTranslation('critical');
  const { t: tc } = useTranslation();
  const now = useNow(15_000);
  const [params, setParams] = useSearchParams();
  const shown = params.get('alert') ?? undefined;
  const show = (id?: string) => setParams(id ? { alert: id } : {}, { replace: true });
  const open = useAlerts('open');
  const acknowledged = useAlerts('acknowledged');
  const en = i18n.language === 'en';
  const waiting = [...(open.data?.alerts ?? [])].sort(
    (a, b) => Date.parse(a.reportedAt) - Date.parse(b.reportedAt),
  );
  const error = open.error ?? acknowledged.error;

  const columns: ColumnsType<CriticalAlert> = [
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
      title: t('alert.reportedBy'),
      key: 'reported',
      render: (_, a) => (
        <div style={{ lineHeight: 1.35 }}>
          {a.reportedByName ?? a.reportedBy} · {orgName(a.centreName, a.centreOrg, en)}
          <br />
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {formatDateTime(a.reportedAt, i18n.language)}
          </Typography.Text>
        </div>
      ),
    },
    {
      title: t('alert.acknowledgedBy'),
      key: 'ack',
      render: (_, a) =>
        a.acknowledgement && (
          <div style={{ lineHeight: 1.35 }}>
            <CheckCircleOutlined style={{ color: '#389e0d' }} /> {a.acknowledgement.by}
            <br />
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {formatDateTime(a.acknowledgement.at, i18n.language)} · {t('alert.timeToAck')}{' '}
              {formatMinutes(
                tc,
                (Date.parse(a.acknowledgement.at) - Date.parse(a.reportedAt)) / 60_000,
              )}
            </Typography.Text>
          </div>
        ),
    },
    {
      title: t('alert.readBack'),
      key: 'readBack',
      render: (_, a) => a.acknowledgement?.readBack,
    },
    {
      title: '',
      key: 'history',
      width: 120,
      render: (_, a) => (
        <Button type="link" onClick={() => show(a.id)}>
          {t('alert.history')}
        </Button>
      ),
    },
  ];

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
        <div>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t('inbox.title')}
          </Typography.Title>
          <Typography.Text type="secondary">{t('inbox.subtitle')}</Typography.Text>
        </div>
        <Button
          icon={<ReloadOutlined />}
          loading={open.isFetching || acknowledged.isFetching}
          onClick={() => {
            void open.refetch();
            void acknowledged.refetch();
          }}
        >
          {tc('refresh')}
        </Button>
      </div>
      {error && (
        <Alert type="error" showIcon title={tc('error.title')} description={error.message} />
      )}
      {waiting.length > 0 ? (
        <>
          <Typography.Title level={4} style={{ color: '#cf1322', margin: 0 }}>
            {t('inbox.open', { count: waiting.length })}
          </Typography.Title>
          {waiting.map((alert) => (
            <OpenAlertCard
              key={alert.id}
              alert={alert}
              now={now}
              onHistory={() => show(alert.id)}
              onAcknowledged={() => show(alert.id)}
            />
          ))}
        </>
      ) : (
        <Card>
          <Empty
            image={<CheckCircleOutlined style={{ fontSize: 48, color: '#389e0d' }} />}
            description={open.isLoading ? tc('loading') : t('inbox.noneOpen')}
          />
        </Card>
      )}
      <Card title={t('inbox.acknowledged')} styles={{ body: { padding: 0 } }}>
        <Table<CriticalAlert>
          rowKey="id"
          size="small"
          columns={columns}
          dataSource={acknowledged.data?.alerts ?? []}
          loading={acknowledged.isLoading}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          locale={{ emptyText: <Empty description={t('inbox.noneAcknowledged')} /> }}
        />
      </Card>
      <AlertHistoryDrawer id={shown} onClose={() => show(undefined)} />
    </Space>
  );
}
