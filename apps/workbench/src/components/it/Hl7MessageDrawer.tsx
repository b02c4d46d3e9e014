import { CheckCircleFilled, RedoOutlined, SyncOutlined } from '@ant-design/icons';
import {
  Alert,
  Button,
  Descriptions,
  Drawer,
  Empty,
  Popconfirm,
  Result,
  Space,
  Spin,
  Table,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api';
import { formatDateTime } from '../format';
import { Hl7Segments } from './Hl7Segments';
import { settledSince, useDeliveryAttempts, useHl7Message, useReplay } from './ops-api';
import { DirectionTag, Hl7StatusTag } from './tags';
import { type Hl7LogEntry, isReplayable } from './types';

/** What the last replay answered, shown until another message is opened. */
type ReplayOutcome =
  | { kind: 'outbound'; failedId: string }
  | { kind: 'inbound'; entry: Hl7LogEntry }
  | { kind: 'refused'; status: number; message: string };

/**
 * One HL7 message: what it was and what became of it, the message one segment per line and the
 * ACK (masked by the hub), and its replay. After an outbound message is sent again, the attempts
 * with the same control id are followed until the member has answered.
 */
export function Hl7MessageDrawer({
  id,
  onClose,
  onOpen,
}: {
  id: string | undefined;
  onClose: () => void;
  onOpen: (id: string) => void;
}) {
  const { t, i18n } = useTranslation('it');
  const { t: tc } = useTranslation();
  const message = useHl7Message(id);
  const replay = useReplay();
  const [outcome, setOutcome] = useState<ReplayOutcome & { for: string }>();
  const shown = outcome?.for === id ? outcome : undefined;
  const entry = message.data;
  const attemptsQuery = useDeliveryAttempts(
    entry,
    shown?.kind === 'outbound' ? shown.failedId : undefined,
  );
  const attempts = attemptsQuery.data ?? [];
  const delivered = attempts.some((a) => a.status === 'delivered');
  const latest = attempts.at(-1);
  const settledAfterReplay = shown?.kind === 'outbound' && settledSince(attempts, shown.failedId);

  const doReplay = async (target: Hl7LogEntry) => {
    try {
      const answer = await replay.mutateAsync(target.id);
      setOutcome(
        target.direction === 'out'
          ? { for: target.id, kind: 'outbound', failedId: target.id }
          : { for: target.id, kind: 'inbound', entry: answer },
      );
    } catch (error) {
      setOutcome({
        for: target.id,
        kind: 'refused',
        status: error instanceof ApiError ? error.status : 0,
        message: (error as Error).message,
      });
    }
  };

  // A delivery the member has since accepted is not sent again.
  const replayable = entry !== undefined && isReplayable(entry) && !delivered;
  const replayButton = entry && (
    <Popconfirm
      title={entry.direction === 'out' ? t('hl7.replayConfirmOut') : t('hl7.replayConfirmIn')}
      description={<div style={{ maxWidth: 300 }}>{t('hl7.replayHint')}</div>}
      okText={t('hl7.replay')}
      cancelText={tc('cancel')}
      onConfirm={() => void doReplay(entry)}
      disabled={!replayable}
    >
      <Tooltip
        title={
          replayable ? undefined : delivered ? t('hl7.alreadyDelivered') : t('hl7.notReplayable')
        }
      >
        <Button
          type="primary"
          danger={entry.status === 'failed' || entry.status === 'refused'}
          icon={<RedoOutlined />}
          disabled={!replayable}
          loading={replay.isPending}
          data-testid="hl7-replay"
        >
          {t('hl7.replay')}
        </Button>
      </Tooltip>
    </Popconfirm>
  );

  return (
    <Drawer
      open={Boolean(id)}
      onClose={onClose}
      size={880}
      title={id ? t('hl7.detail.title', { id }) : undefined}
      extra={replayButton}
      destroyOnHidden
    >
      {message.isLoading && <Spin />}
      {message.error && (
        <Result status="error" title={tc('error.title')} subTitle={message.error.message} />
      )}
      {entry && (
        <Space orientation="vertical" size={16} style={{ width: '100%' }} data-testid="hl7-detail">
          {shown?.kind === 'refused' && (
            <Alert
              type={shown.status === 409 ? 'warning' : 'error'}
              showIcon
              data-testid="replay-outcome"
              title={t('hl7.replayRefused')}
              description={shown.message}
            />
          )}
          {shown?.kind === 'inbound' && (
            <Alert
              type={shown.entry.status === 'processed' ? 'success' : 'warning'}
              showIcon
              data-testid="replay-outcome"
              title={t('hl7.replayedIn', {
                id: shown.entry.id,
                status: t(`hl7.statuses.${shown.entry.status}`),
              })}
              description={shown.entry.error ?? undefined}
              action={
                <Button size="small" onClick={() => onOpen(shown.entry.id)}>
                  {t('hl7.openReplay')}
                </Button>
              }
            />
          )}
          {shown?.kind === 'outbound' && !settledAfterReplay && (
            <Alert
              type="info"
              showIcon
              icon={<SyncOutlined spin />}
              data-testid="replay-outcome"
              title={t('hl7.replayedOut')}
            />
          )}
          <Descriptions
            size="small"
            bordered
            column={2}
            items={[
              {
                key: 'status',
                label: t('hl7.detail.status'),
                children: <Hl7StatusTag status={entry.status} testId="hl7-detail-status" />,
              },
              {
                key: 'direction',
                label: t('hl7.detail.direction'),
                children: (
                  <Space size={4}>
                    <DirectionTag direction={entry.direction} />
                    <Typography.Text type="secondary">
                      {entry.transport.toUpperCase()}
                    </Typography.Text>
                  </Space>
                ),
              },
              { key: 'type', label: t('hl7.detail.type'), children: entry.messageType },
              {
                key: 'controlId',
                label: t('hl7.detail.controlId'),
                children: entry.controlId && (
                  <Typography.Text code copyable>
                    {entry.controlId}
                  </Typography.Text>
                ),
              },
              { key: 'facility', label: t('hl7.detail.facility'), children: entry.facility },
              { key: 'peer', label: t('hl7.detail.peer'), children: entry.peer },
              {
                key: 'receivedAt',
                label: t('hl7.detail.receivedAt'),
                children: formatDateTime(entry.receivedAt, i18n.language),
              },
              {
                key: 'completedAt',
                label: t('hl7.detail.completedAt'),
                children: formatDateTime(entry.completedAt ?? undefined, i18n.language),
              },
              { key: 'ackCode', label: t('hl7.detail.ackCode'), children: entry.ackCode },
              { key: 'charset', label: t('hl7.detail.charset'), children: entry.charset },
              {
                key: 'orders',
                label: t('hl7.detail.orders'),
                span: 2,
                children: entry.orderIds.map((order) => (
                  <Typography.Text key={order} code style={{ fontSize: 12 }}>
                    {order}
                  </Typography.Text>
                )),
              },
              {
                key: 'patient',
                label: t('hl7.detail.patient'),
                children: entry.patientId && (
                  <Typography.Text code style={{ fontSize: 12 }}>
                    {entry.patientId}
                  </Typography.Text>
                ),
              },
              {
                key: 'replayOf',
                label: t('hl7.detail.replayOf'),
                children: entry.replayOf && (
                  <Typography.Link
                    onClick={() => entry.replayOf && onOpen(entry.replayOf)}
                  >{`#${entry.replayOf}`}</Typography.Link>
                ),
              },
            ]}
          />
          {entry.error && (
            <Alert
              type="error"
              showIcon
              title={t('hl7.detail.error')}
              description={entry.error}
              data-testid="hl7-detail-error"
            />
          )}
          {entry.direction === 'out' && entry.controlId && (
            <section>
              <Space style={{ marginBottom: 8 }}>
                <Typography.Title level={5} style={{ margin: 0 }}>
                  {t('hl7.detail.attempts')}
                </Typography.Title>
                {delivered ? (
                  <Tag
                    color="success"
                    icon={<CheckCircleFilled />}
                    data-testid="delivery-outcome"
                    data-status="delivered"
                  >
                    {t('hl7.detail.delivered')}
                  </Tag>
                ) : latest?.status === 'received' ? (
                  <Tag
                    color="processing"
                    icon={<SyncOutlined spin />}
                    data-testid="delivery-outcome"
                    data-status="pending"
                  >
                    {t('hl7.detail.pending')}
                  </Tag>
                ) : (
                  <Tag color="error" data-testid="delivery-outcome" data-status="failed">
                    {t('hl7.detail.stillFailed')}
                  </Tag>
                )}
              </Space>
              <Table<Hl7LogEntry>
                rowKey="id"
                size="small"
                pagination={false}
                loading={attemptsQuery.isLoading}
                dataSource={attempts}
                onRow={(attempt) => ({
                  onClick: () => attempt.id !== entry.id && onOpen(attempt.id),
                  style: {
                    cursor: attempt.id === entry.id ? 'default' : 'pointer',
                    fontWeight: attempt.id === entry.id ? 600 : undefined,
                  },
                })}
                columns={[
                  {
                    title: t('hl7.column.id'),
                    key: 'id',
                    width: 80,
                    render: (_, attempt) => `#${attempt.id}`,
                  },
                  {
                    title: t('hl7.column.receivedAt'),
                    key: 'at',
                    width: 150,
                    render: (_, attempt) => formatDateTime(attempt.receivedAt, i18n.language),
                  },
                  {
                    title: t('hl7.column.status'),
                    key: 'status',
                    width: 110,
                    render: (_, attempt) => (
                      <Hl7StatusTag status={attempt.status} testId="attempt-status" />
                    ),
                  },
                  { title: t('hl7.column.ack'), dataIndex: 'ackCode', width: 70 },
                  {
                    title: t('hl7.column.error'),
                    key: 'error',
                    render: (_, attempt) => (
                      <Typography.Text type="danger" style={{ fontSize: 12 }}>
                        {attempt.error}
                      </Typography.Text>
                    ),
                  },
                ]}
              />
            </section>
          )}
          <section>
            <Typography.Title level={5}>{t('hl7.detail.message')}</Typography.Title>
            {entry.text ? (
              <Hl7Segments text={entry.text} testId="hl7-message-text" />
            ) : (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />
            )}
          </section>
          <section>
            <Typography.Title level={5}>{t('hl7.detail.ack')}</Typography.Title>
            {entry.ack ? (
              <Hl7Segments text={entry.ack} testId="hl7-ack-text" />
            ) : (
              <Typography.Text type="secondary">{t('hl7.detail.noAck')}</Typography.Text>
            )}
          </section>
        </Space>
      )}
    </Drawer>
  );
}
