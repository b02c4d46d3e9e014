import { ReloadOutlined, WarningFilled } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, Badge, Button, Card, Empty, Space, Switch, Table, Tag, Typography } from 'antd';
import { type ColumnsType } from 'antd/es/table';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { minutesSince, useNow } from '../../components/critical/useNow';
import { formatMinutes } from '../../components/format';
import { PatientLabel } from '../../components/lab/PatientLabel';
import { RowStyles, rowClass } from '../../components/lab/RowStyles';
import { flaggedValue, valueStyle } from '../../components/lab/ResultFlag';
import { type VerificationItem, isCritical } from '../../components/lab/types';
import { VerificationDetail } from './VerificationDetail';

const PRIORITY_RANK: Record<string, number> = { stat: 1, asap: 2, urgent: 3 };
const PRIORITY_COLOR: Record<string, string> = { stat: 'red', asap: 'volcano', urgent: 'orange' };

/** True when any result of the report is critical (危急值). */
export function hasCritical(item: VerificationItem): boolean {
  return item.flags.some((f) => isCritical(f.interpretation));
}

function isAbnormal(item: VerificationItem): boolean {
  return item.flags.some((f) => f.interpretation !== 'N' || f.delta);
}

/** Critical reports first, then by priority, then the longest waiting. */
function byUrgency(a: VerificationItem, b: VerificationItem): number {
  return (
    Number(hasCritical(b)) - Number(hasCritical(a)) ||
    (PRIORITY_RANK[a.priority] ?? 4) - (PRIORITY_RANK[b.priority] ?? 4) ||
    Date.parse(a.enteredAt) - Date.parse(b.enteredAt)
  );
}

/**
 * 检验审核: the lab physician's worklist of results waiting for verification, critical ones first
 * and in red, beside the chosen report's results with ranges, flags, delta checks and the
 * patient's previous values, and the verify button.
 */
export function VerificationPage() {
  const { t, i18n } = useTranslation('lab');
  const { t: tc } = useTranslation();
  const now = useNow();
  const [selectedId, setSelectedId] = useState<string>();
  const [onlyAbnormal, setOnlyAbnormal] = useState(false);
  // Released here: gone from the list at once, before the list is read again.
  const [released, setReleased] = useState<ReadonlySet<string>>(new Set());
  const list = useQuery({
    queryKey: ['lab', 'verifications'],
    queryFn: () => api<VerificationItem[]>('/api/lab/verifications'),
    refetchInterval: 20_000,
  });
  const items = useMemo(
    () =>
      (list.data ?? [])
        .filter((i) => !released.has(`${i.orderId}:${i.version}`))
        .filter((i) => !onlyAbnormal || isAbnormal(i))
        .sort(byUrgency),
    [list.data, onlyAbnormal, released],
  );
  const selected = items.find((i) => i.orderId === selectedId) ?? items[0];
  const en = i18n.language === 'en';
  const critical = items.filter(hasCritical).length;

  const columns: ColumnsType<VerificationItem> = [
    {
      title: t('verification.priority'),
      dataIndex: 'priority',
      width: 84,
      render: (priority: string, item) => (
        <Space orientation="vertical" size={2}>
          <Tag color={PRIORITY_COLOR[priority]}>{t(`priority.${priority}`, priority)}</Tag>
          {hasCritical(item) && (
            <Tag color="#cf1322" variant="solid" icon={<WarningFilled />}>
              {t('verification.critical')}
            </Tag>
          )}
        </Space>
      ),
    },
    {
      title: t('verification.patient'),
      key: 'patient',
      render: (_, item) => <PatientLabel patient={item.patient} />,
    },
    {
      title: t('verification.results'),
      key: 'results',
      render: (_, item) => {
        const name = (en ? item.item?.display : item.item?.displayZh) ?? item.code;
        return (
          <div style={{ lineHeight: 1.4 }}>
            <Typography.Text
              type="secondary"
              ellipsis={{ tooltip: name }}
              style={{ fontSize: 12, maxWidth: 200 }}
            >
              {name}
            </Typography.Text>
            <br />
            <Space size={[8, 2]} wrap>
              {item.results.map((r) => (
                <span
                  key={r.code}
                  style={{ whiteSpace: 'nowrap', ...valueStyle(r.interpretation) }}
                >
                  {(en ? r.display : (r.displayZh ?? r.display)) || r.code}{' '}
                  {flaggedValue(r.value, r.interpretation)}
                  {r.delta && (
                    <Tag color="gold" style={{ marginLeft: 4 }}>
                      Δ
                    </Tag>
                  )}
                </span>
              ))}
            </Space>
          </div>
        );
      },
    },
    {
      title: t('verification.clinic'),
      key: 'entered',
      render: (_, item) => (
        <div style={{ lineHeight: 1.4, maxWidth: 170 }}>
          {en ? item.requester?.nameEn : item.requester?.name}
          <br />
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {item.enteredByName ?? item.enteredBy} ·{' '}
            {t('verification.waiting', {
              time: formatMinutes(tc, minutesSince(item.enteredAt, now)),
            })}
          </Typography.Text>
        </div>
      ),
    },
  ];

  return (
    <div style={{ display: 'flex', gap: 16, alignItems: 'flex-start' }}>
      <RowStyles />
      <Card
        style={{ flex: '1 1 54%', minWidth: 0 }}
        styles={{ body: { padding: 0 } }}
        title={
          <Space>
            {t('verification.title')}
            <Badge count={items.length} showZero color="#1668dc" />
            {critical > 0 && (
              <Badge count={`${t('verification.critical')} ${critical}`} color="#cf1322" />
            )}
          </Space>
        }
        extra={
          <Space>
            <Switch size="small" checked={onlyAbnormal} onChange={setOnlyAbnormal} />
            <Typography.Text>{t('verification.onlyAbnormal')}</Typography.Text>
            <Button
              icon={<ReloadOutlined />}
              onClick={() => void list.refetch()}
              loading={list.isFetching}
            >
              {tc('refresh')}
            </Button>
          </Space>
        }
      >
        {list.error && (
          <Alert
            type="error"
            showIcon
            title={tc('error.title')}
            description={list.error.message}
            style={{ margin: 12 }}
          />
        )}
        <Typography.Paragraph type="secondary" style={{ margin: '8px 12px' }}>
          {t('verification.subtitle', { count: items.length })}
        </Typography.Paragraph>
        <Table<VerificationItem>
          rowKey="orderId"
          size="small"
          columns={columns}
          dataSource={items}
          loading={list.isLoading}
          pagination={items.length > 50 ? { pageSize: 50, showSizeChanger: false } : false}
          scroll={{ x: 'max-content' }}
          locale={{ emptyText: <Empty description={t('verification.empty')} /> }}
          rowClassName={(item) => rowClass(hasCritical(item), item.orderId === selected?.orderId)}
          onRow={(item) => ({
            onClick: () => setSelectedId(item.orderId),
            style: { cursor: 'pointer' },
          })}
        />
      </Card>
      <div style={{ flex: '1 1 46%', minWidth: 0 }}>
        {selected ? (
          <VerificationDetail
            key={`${selected.orderId}:${selected.version}`}
            item={selected}
            onReleased={() => {
              setReleased((done) => new Set(done).add(`${selected.orderId}:${selected.version}`));
              setSelectedId(undefined);
            }}
          />
        ) : (
          <Card>
            <Empty description={t(items.length ? 'verification.select' : 'verification.empty')} />
          </Card>
        )}
      </div>
    </div>
  );
}
