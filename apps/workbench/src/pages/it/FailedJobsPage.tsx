import { RedoOutlined, ReloadOutlined } from '@ant-design/icons';
import {
  Alert,
  App as AntApp,
  Badge,
  Button,
  Card,
  Empty,
  Popconfirm,
  Select,
  Space,
  Table,
  Typography,
} from 'antd';
import { type ColumnsType } from 'antd/es/table';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { ApiError } from '../../api';
import { formatDateTime } from '../../components/format';
import { useFailedJobs, useOpsStatus, useRetryJob } from '../../components/it/ops-api';
import { useQueueLabel } from '../../components/it/tags';
import { type FailedJob } from '../../components/it/types';

const LIMIT = 100;

/** The answer to the last retry, kept on screen: a refusal says why in the hub's words. */
interface RetryOutcome {
  jobId: string;
  type: 'success' | 'warning' | 'error';
  title: string;
  detail?: string;
}

/**
 * 失败任务: a queue's failed jobs, newest first, with why each failed, and the retry of one once
 * its cause is fixed. The hub's refusals (the job is no longer failed: 409; no such job: 404) are
 * shown as it words them.
 */
export function FailedJobsPage() {
  const { t, i18n } = useTranslation('it');
  const { t: tc } = useTranslation();
  const { message } = AntApp.useApp();
  const [params, setParams] = useSearchParams();
  const status = useOpsStatus();
  const queueLabel = useQueueLabel();
  const queues = status.data?.queues ?? [];
  const queue = params.get('queue') ?? undefined;
  // Without a choice, the first queue with failures (else the first queue), kept in the address
  // so the list stays on it once its failures are retried.
  const initial = (queues.find((q) => q.failed) ?? queues[0])?.name;
  useEffect(() => {
    if (!queue && initial) setParams({ queue: initial }, { replace: true });
  }, [queue, initial, setParams]);
  const jobs = useFailedJobs(queue, LIMIT);
  const retry = useRetryJob();
  const [outcome, setOutcome] = useState<RetryOutcome>();

  const retryJob = async (job: FailedJob) => {
    if (!queue) return;
    try {
      const answer = await retry.mutateAsync({ queue, id: job.id });
      const state = t(`jobs.states.${answer.state}`, { defaultValue: answer.state });
      setOutcome({
        jobId: job.id,
        type: 'success',
        title: t('jobs.retried', { id: answer.id, state }),
      });
      void message.success(t('jobs.retried', { id: answer.id, state }));
    } catch (error) {
      const status = error instanceof ApiError ? error.status : 0;
      setOutcome({
        jobId: job.id,
        type: status === 409 ? 'warning' : 'error',
        title:
          status === 409
            ? t('jobs.conflict')
            : status === 404
              ? t('jobs.notFound')
              : t('jobs.refused'),
        detail: (error as Error).message,
      });
    }
  };

  const columns: ColumnsType<FailedJob> = [
    {
      title: t('jobs.id'),
      key: 'id',
      width: 260,
      render: (_, job) => (
        <div style={{ lineHeight: 1.35 }}>
          <Typography.Text code copyable style={{ fontSize: 12, wordBreak: 'break-all' }}>
            {job.id}
          </Typography.Text>
          <br />
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {job.name}
          </Typography.Text>
        </div>
      ),
    },
    {
      title: t('jobs.reason'),
      key: 'reason',
      render: (_, job) => (
        <Typography.Text type="danger" data-testid="job-reason" style={{ wordBreak: 'break-word' }}>
          {job.failedReason}
        </Typography.Text>
      ),
    },
    {
      title: t('jobs.data'),
      key: 'data',
      width: 340,
      render: (_, job) => <JobData data={job.data} />,
    },
    {
      title: t('jobs.attempts'),
      dataIndex: 'attemptsMade',
      align: 'right',
      width: 80,
    },
    {
      title: t('jobs.failedAt'),
      key: 'failedAt',
      width: 180,
      render: (_, job) => (
        <div style={{ lineHeight: 1.35 }}>
          {formatDateTime(job.failedAt ?? undefined, i18n.language)}
          <br />
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t('jobs.createdAt')} {formatDateTime(job.createdAt, i18n.language)}
          </Typography.Text>
        </div>
      ),
    },
    {
      title: tc('actions'),
      key: 'retry',
      width: 110,
      render: (_, job) => (
        <Popconfirm
          title={t('jobs.retryConfirm')}
          description={<div style={{ maxWidth: 280 }}>{t('jobs.retryHint')}</div>}
          okText={t('jobs.retry')}
          cancelText={tc('cancel')}
          onConfirm={() => void retryJob(job)}
        >
          <Button
            icon={<RedoOutlined />}
            size="small"
            data-testid="job-retry"
            loading={retry.isPending && retry.variables?.id === job.id}
          >
            {t('jobs.retry')}
          </Button>
        </Popconfirm>
      ),
    },
  ];

  return (
    <Card
      title={
        <Space orientation="vertical" size={0}>
          <span>{t('jobs.title')}</span>
          <Typography.Text type="secondary" style={{ fontWeight: 'normal', fontSize: 13 }}>
            {t('jobs.subtitle')}
          </Typography.Text>
        </Space>
      }
      extra={
        <Space wrap>
          <Typography.Text>{t('jobs.queue')}</Typography.Text>
          <Select
            style={{ width: 320 }}
            value={queue}
            data-testid="queue-select"
            loading={status.isLoading}
            onChange={(name: string) => {
              setOutcome(undefined);
              setParams({ queue: name }, { replace: true });
            }}
            options={queues.map((q) => ({
              value: q.name,
              label: (
                <Space>
                  <span>{queueLabel(q.name)}</span>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {q.name}
                  </Typography.Text>
                  {q.failed ? <Badge count={q.failed} overflowCount={999} /> : null}
                </Space>
              ),
            }))}
          />
          <Button
            icon={<ReloadOutlined />}
            loading={jobs.isFetching}
            onClick={() => void jobs.refetch()}
          >
            {tc('refresh')}
          </Button>
        </Space>
      }
      styles={{ body: { padding: 0 } }}
    >
      {outcome && (
        <Alert
          type={outcome.type}
          showIcon
          closable={{ onClose: () => setOutcome(undefined) }}
          style={{ margin: 12 }}
          data-testid="retry-outcome"
          title={outcome.title}
          description={outcome.detail}
        />
      )}
      {jobs.error && (
        <Alert
          type="error"
          showIcon
          style={{ margin: 12 }}
          title={tc('error.title')}
          description={jobs.error.message}
        />
      )}
      <Table<FailedJob>
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={jobs.data ?? []}
        loading={jobs.isLoading}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        locale={{ emptyText: <Empty description={t('jobs.empty')} /> }}
        footer={
          jobs.data && jobs.data.length >= LIMIT
            ? () => t('jobs.shown', { count: LIMIT })
            : undefined
        }
      />
    </Card>
  );
}

/** A job's payload (ids by contract) as `name: value` lines. */
function JobData({ data }: { data: unknown }) {
  const entries =
    data && typeof data === 'object' && !Array.isArray(data)
      ? Object.entries(data as Record<string, unknown>)
      : [['', data] as const];
  return (
    <div data-testid="job-data" style={{ fontSize: 12, lineHeight: 1.4, wordBreak: 'break-all' }}>
      {entries.map(([key, value]) => (
        <div key={key}>
          {key && <Typography.Text type="secondary">{key}: </Typography.Text>}
          <span style={{ fontFamily: 'monospace' }}>
            {typeof value === 'string' ? value : JSON.stringify(value)}
          </span>
        </div>
      ))}
    </div>
  );
}
