import { ReloadOutlined, SearchOutlined } from '@ant-design/icons';
import {
  Alert,
  AutoComplete,
  Button,
  Card,
  Empty,
  Form,
  Input,
  Select,
  Space,
  Table,
  Typography,
} from 'antd';
import { type ColumnsType } from 'antd/es/table';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { formatDateTime } from '../../components/format';
import { Hl7MessageDrawer } from '../../components/it/Hl7MessageDrawer';
import { useHl7Messages } from '../../components/it/ops-api';
import { DirectionTag, Hl7StatusTag } from '../../components/it/tags';
import {
  HL7_FILTERS,
  HL7_STATUSES,
  type Hl7Filter,
  type Hl7LogEntry,
} from '../../components/it/types';

const PAGE_SIZE = 50;
const MESSAGE_TYPES = ['ORM^O01', 'OML^O21', 'ORU^R01', 'ADT^A01', 'ADT^A04', 'ADT^A08', 'ACK'];

type FormValues = Partial<Record<Hl7Filter, string>>;

/** `2026-03-01T08:30` (the browser's local time, as the datetime input gives it) ⇄ ISO instant. */
function toInstant(local: string | undefined): string | undefined {
  if (!local) return undefined;
  const at = new Date(local);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}
function toLocalInput(iso: string | null): string | undefined {
  if (!iso) return undefined;
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return undefined;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

/**
 * HL7 消息日志: every HL7 message the hub exchanged, newest first, searchable by direction, status,
 * facility, message type, control id, patient and time (kept in the address, so a search can be
 * shared); a message opens beside the list with its segments and its replay.
 */
export function Hl7LogPage() {
  const { t, i18n } = useTranslation('it');
  const { t: tc } = useTranslation();
  const [params, setParams] = useSearchParams();
  const [form] = Form.useForm<FormValues>();
  const page = Math.max(Number(params.get('page')) || 1, 1);
  const opened = params.get('message') ?? undefined;
  const filters = Object.fromEntries(
    HL7_FILTERS.flatMap((name) => {
      const value = params.get(name);
      return value ? [[name, value]] : [];
    }),
  );
  const messages = useHl7Messages(filters, page, PAGE_SIZE);

  const filterKey = HL7_FILTERS.map((name) => params.get(name) ?? '').join('|');
  useEffect(() => {
    // The form shows the search in the address (after back/forward or an opened link too).
    form.setFieldsValue({
      ...Object.fromEntries(HL7_FILTERS.map((name) => [name, params.get(name) ?? undefined])),
      from: toLocalInput(params.get('from')),
      to: toLocalInput(params.get('to')),
    });
  }, [filterKey]);

  const update = (next: Record<string, string | undefined>) => {
    const merged = new URLSearchParams(params);
    for (const [name, value] of Object.entries(next)) {
      if (value) merged.set(name, value);
      else merged.delete(name);
    }
    setParams(merged, { replace: !('message' in next) });
  };

  const search = (values: FormValues) => {
    update({
      ...Object.fromEntries(HL7_FILTERS.map((name) => [name, values[name]?.trim() || undefined])),
      from: toInstant(values.from),
      to: toInstant(values.to),
      page: undefined,
    });
  };

  const columns: ColumnsType<Hl7LogEntry> = [
    { title: t('hl7.column.id'), key: 'id', width: 80, render: (_, m) => `#${m.id}` },
    {
      title: t('hl7.column.receivedAt'),
      key: 'receivedAt',
      width: 150,
      render: (_, m) => formatDateTime(m.receivedAt, i18n.language),
    },
    {
      title: t('hl7.column.direction'),
      key: 'direction',
      width: 100,
      render: (_, m) => <DirectionTag direction={m.direction} />,
    },
    { title: t('hl7.column.type'), dataIndex: 'messageType', width: 110 },
    { title: t('hl7.column.facility'), dataIndex: 'facility', width: 110 },
    {
      title: t('hl7.column.controlId'),
      key: 'controlId',
      width: 200,
      render: (_, m) => (
        <Typography.Text style={{ fontSize: 12, fontFamily: 'monospace', wordBreak: 'break-all' }}>
          {m.controlId}
        </Typography.Text>
      ),
    },
    {
      title: t('hl7.column.status'),
      key: 'status',
      width: 100,
      render: (_, m) => <Hl7StatusTag status={m.status} testId="hl7-status" />,
    },
    { title: t('hl7.column.ack'), dataIndex: 'ackCode', width: 64 },
    {
      title: t('hl7.column.error'),
      key: 'error',
      render: (_, m) => (
        <Typography.Text type="danger" ellipsis={{ tooltip: m.error }} style={{ maxWidth: 360 }}>
          {m.error}
        </Typography.Text>
      ),
    },
  ];

  return (
    <Card
      title={
        <Space orientation="vertical" size={0}>
          <span>{t('hl7.title')}</span>
          <Typography.Text type="secondary" style={{ fontWeight: 'normal', fontSize: 13 }}>
            {t('hl7.subtitle')}
          </Typography.Text>
        </Space>
      }
      extra={
        <Button
          icon={<ReloadOutlined />}
          loading={messages.isFetching}
          onClick={() => void messages.refetch()}
        >
          {tc('refresh')}
        </Button>
      }
      styles={{ body: { padding: 0 } }}
    >
      <Form<FormValues>
        form={form}
        layout="inline"
        onFinish={search}
        style={{ padding: 12, rowGap: 8 }}
        data-testid="hl7-filters"
      >
        <Form.Item name="direction" label={t('hl7.filter.direction')}>
          <Select
            allowClear
            placeholder={t('hl7.filter.all')}
            style={{ width: 110 }}
            data-testid="filter-direction"
            options={(['in', 'out'] as const).map((value) => ({
              value,
              label: t(`hl7.direction.${value}`),
            }))}
          />
        </Form.Item>
        <Form.Item name="status" label={t('hl7.filter.status')}>
          <Select
            allowClear
            placeholder={t('hl7.filter.all')}
            style={{ width: 120 }}
            data-testid="filter-status"
            options={HL7_STATUSES.map((value) => ({
              value,
              label: t(`hl7.statuses.${value}`),
            }))}
          />
        </Form.Item>
        <Form.Item name="facility" label={t('hl7.filter.facility')}>
          <Input allowClear placeholder="CLINIC-A" style={{ width: 130 }} />
        </Form.Item>
        <Form.Item name="type" label={t('hl7.filter.type')}>
          <AutoComplete
            allowClear
            placeholder="ORU^R01"
            style={{ width: 130 }}
            options={MESSAGE_TYPES.map((value) => ({ value }))}
          />
        </Form.Item>
        <Form.Item name="controlId" label={t('hl7.filter.controlId')}>
          <Input allowClear style={{ width: 190 }} data-testid="filter-control-id" />
        </Form.Item>
        <Form.Item name="patient" label={t('hl7.filter.patient')}>
          <Input allowClear style={{ width: 190 }} />
        </Form.Item>
        <Form.Item name="from" label={t('hl7.filter.from')}>
          <Input type="datetime-local" style={{ width: 190 }} />
        </Form.Item>
        <Form.Item name="to" label={t('hl7.filter.to')}>
          <Input type="datetime-local" style={{ width: 190 }} />
        </Form.Item>
        <Form.Item>
          <Space>
            <Button
              type="primary"
              htmlType="submit"
              icon={<SearchOutlined />}
              data-testid="hl7-search"
            >
              {t('hl7.filter.search')}
            </Button>
            <Button
              onClick={() => {
                form.resetFields();
                update({
                  ...Object.fromEntries(HL7_FILTERS.map((name) => [name, undefined])),
                  page: undefined,
                });
              }}
            >
              {t('hl7.filter.reset')}
            </Button>
          </Space>
        </Form.Item>
      </Form>
      {messages.error && (
        <Alert
          type="error"
          showIcon
          style={{ margin: 12 }}
          title={tc('error.title')}
          description={messages.error.message}
        />
      )}
      <Table<Hl7LogEntry>
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={messages.data?.entries ?? []}
        loading={messages.isFetching && !messages.data}
        locale={{ emptyText: <Empty description={t('hl7.empty')} /> }}
        pagination={{
          current: page,
          pageSize: PAGE_SIZE,
          total: messages.data?.total ?? 0,
          showSizeChanger: false,
          showTotal: (total) => t('hl7.total', { count: total }),
          onChange: (next) => update({ page: next > 1 ? String(next) : undefined }),
        }}
        onRow={(m) => ({
          onClick: () => update({ message: m.id }),
          style: {
            cursor: 'pointer',
            ...(m.status === 'failed' || m.status === 'refused' ? { background: '#fff1f0' } : {}),
          },
        })}
      />
      <Hl7MessageDrawer
        id={opened}
        onClose={() => update({ message: undefined })}
        onOpen={(id) => update({ message: id })}
      />
    </Card>
  );
}
