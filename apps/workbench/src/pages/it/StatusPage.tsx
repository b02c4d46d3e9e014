import { DashboardOutlined, ExportOutlined, ReloadOutlined } from '@ant-design/icons';
import {
  Alert,
  Button,
  Card,
  Col,
  Empty,
  Row,
  Space,
  Spin,
  Table,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import { type ColumnsType } from 'antd/es/table';
import { type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useOpsStatus } from '../../components/it/ops-api';
import { HealthTag, useQueueLabel } from '../../components/it/tags';
import { type HealthStatus, type OverallStatus, type QueueCounts } from '../../components/it/types';

/** The bull-board dashboard the gateway mounts (HTTP Basic sign-in, IT staff and administrators). */
export const QUEUE_DASHBOARD_URL = '/admin/queues';

/** The time of a check to the second, China time: it moves on with each refresh. */
function checkedTime(value: string, language: string): string {
  return new Intl.DateTimeFormat(language === 'en' ? 'en-GB' : 'zh-CN', {
    timeZone: 'Asia/Shanghai',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).format(new Date(value));
}

const OVERALL_ALERT: Record<OverallStatus, 'success' | 'warning' | 'error'> = {
  up: 'success',
  degraded: 'warning',
  down: 'error',
};

/**
 * 系统状态: whether the hub works right now — every app, PostgreSQL and Redis up or down, and the
 * job counts of every queue (failures in red, with the way to the failed jobs) — read again every
 * 10 s; and the way to the queue dashboard.
 */
export function StatusPage() {
  const { t, i18n } = useTranslation('it');
  const { t: tc } = useTranslation();
  const status = useOpsStatus();
  const queueLabel = useQueueLabel();
  const data = status.data;

  const count = (key: 'waiting' | 'active' | 'delayed' | 'completed') => ({
    title: t(`status.${key}`),
    key,
    align: 'right' as const,
    width: 110,
    render: (_: unknown, queue: QueueCounts) => (
      <Count value={queue[key]} testId={`queue-${key}`} unreadable={t('status.unreadable')} />
    ),
  });
  const columns: ColumnsType<QueueCounts> = [
    {
      title: t('status.queue'),
      key: 'name',
      render: (_, queue) => (
        <div style={{ lineHeight: 1.35 }}>
          {queueLabel(queue.name)}
          <br />
          <Typography.Text type="secondary" code style={{ fontSize: 12 }}>
            {queue.name}
          </Typography.Text>
        </div>
      ),
    },
    count('waiting'),
    count('active'),
    count('delayed'),
    {
      title: t('status.failed'),
      key: 'failed',
      align: 'right',
      width: 130,
      render: (_, queue) =>
        queue.failed ? (
          <Tooltip title={t('status.showFailed')}>
            <Link
              to={`/it/failed-jobs?queue=${encodeURIComponent(queue.name)}`}
              data-testid="queue-failed"
            >
              <Tag color="#cf1322" variant="solid" style={{ marginInlineEnd: 0 }}>
                {queue.failed}
              </Tag>
            </Link>
          </Tooltip>
        ) : (
          <Count value={queue.failed} testId="queue-failed" unreadable={t('status.unreadable')} />
        ),
    },
    count('completed'),
    {
      title: t('status.state'),
      key: 'paused',
      width: 110,
      render: (_, queue) =>
        queue.paused === null ? (
          <Tag color="error">{t('status.unreadable')}</Tag>
        ) : queue.paused ? (
          <Tag color="orange">{t('status.paused')}</Tag>
        ) : (
          <Tag>{t('status.running')}</Tag>
        ),
    },
  ];

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Card
        title={
          <Space orientation="vertical" size={0}>
            <span>{t('status.title')}</span>
            <Typography.Text type="secondary" style={{ fontWeight: 'normal', fontSize: 13 }}>
              {t('status.subtitle')}
            </Typography.Text>
          </Space>
        }
        extra={
          <Space wrap>
            {data && (
              <Typography.Text type="secondary" data-testid="status-checked-at">
                {t('status.checkedAt', { time: checkedTime(data.checkedAt, i18n.language) })}
                {' · '}
                {t('status.autoRefresh')}
              </Typography.Text>
            )}
            <Button
              icon={<ReloadOutlined />}
              loading={status.isFetching}
              onClick={() => void status.refetch()}
            >
              {tc('refresh')}
            </Button>
            <Tooltip title={t('status.dashboardHint')}>
              <Button
                icon={<DashboardOutlined />}
                href={QUEUE_DASHBOARD_URL}
                target="_blank"
                rel="noopener"
                data-testid="queue-dashboard-link"
              >
                {t('status.dashboard')} <ExportOutlined />
              </Button>
            </Tooltip>
          </Space>
        }
      >
        {status.error && (
          <Alert
            type="error"
            showIcon
            style={{ marginBottom: 16 }}
            title={t('status.unreachable')}
            description={`${status.error.message}${data ? ` ${t('status.stale')}` : ''}`}
          />
        )}
        {!data && status.isLoading && <Spin />}
        {data && (
          <Alert
            type={OVERALL_ALERT[data.status]}
            showIcon
            data-testid="overall-status"
            data-status={data.status}
            title={<strong>{t(`status.overall.${data.status}`)}</strong>}
            description={t(`status.overallHint.${data.status}`)}
          />
        )}
      </Card>

      {data && (
        <Card title={t('status.components')} size="small">
          <Row gutter={[12, 12]}>
            {data.apps.map((app) => (
              <Component
                key={app.name}
                name={t(`status.apps.${app.name}`, { defaultValue: app.name })}
                status={app.status}
                testId={`app-${app.name}`}
              />
            ))}
            <Component name={t('status.database')} status={data.database} testId="database" />
            <Component name={t('status.redis')} status={data.redis} testId="redis" />
          </Row>
        </Card>
      )}

      <Card
        title={t('status.queues')}
        size="small"
        styles={{ body: { padding: 0 } }}
        extra={
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t('status.dashboardHint')}
          </Typography.Text>
        }
      >
        <Table<QueueCounts>
          rowKey="name"
          size="small"
          columns={columns}
          dataSource={data?.queues ?? []}
          loading={status.isLoading}
          pagination={false}
          locale={{ emptyText: <Empty description={tc('empty')} /> }}
          onRow={(queue) => ({
            'data-testid': `queue-row-${queue.name}`,
            style: queue.failed || queue.failed === null ? { background: '#fff1f0' } : undefined,
          })}
        />
      </Card>
    </Space>
  );
}

function Component({
  name,
  status,
  testId,
}: {
  name: ReactNode;
  status: HealthStatus;
  testId: string;
}) {
  return (
    <Col xs={12} md={8} xl={6} xxl={3}>
      <Card
        size="small"
        data-testid={`component-${testId}`}
        style={status === 'down' ? { borderColor: '#cf1322', background: '#fff1f0' } : undefined}
      >
        <Space orientation="vertical" size={4}>
          <Typography.Text strong>{name}</Typography.Text>
          <HealthTag status={status} testId={`health-${testId}`} />
        </Space>
      </Card>
    </Col>
  );
}

function Count({
  value,
  testId,
  unreadable,
}: {
  value: number | null;
  testId: string;
  unreadable: string;
}) {
  if (value === null)
    return (
      <Typography.Text type="danger" data-testid={testId}>
        {unreadable}
      </Typography.Text>
    );
  return (
    <span data-testid={testId} style={{ fontVariantNumeric: 'tabular-nums' }}>
      {value}
    </span>
  );
}
