import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Radio, Space, Typography } from 'antd';
import type { ServiceRequest } from 'fhir/r4';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { searchFhir } from '../../components/clinic/fhir';
import { OrderTable } from '../../components/clinic/OrderTable';

const PAGE_SIZE = 20;
const STATUSES = ['active', 'completed', 'revoked'] as const;

/** The clinic's orders, newest first, by status, each with where its work stands. */
export function OrdersPage() {
  const { t } = useTranslation('clinic');
  const common = useTranslation().t;
  const navigate = useNavigate();
  const [status, setStatus] = useState<string>('');
  const [page, setPage] = useState(1);
  const orders = useQuery({
    queryKey: ['clinic', 'orders', status, page],
    refetchInterval: 30_000,
    queryFn: () =>
      searchFhir<ServiceRequest>('ServiceRequest', {
        _sort: '-authored',
        _count: String(PAGE_SIZE),
        _offset: String((page - 1) * PAGE_SIZE),
        status: status || undefined,
      }),
  });
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'flex-end' }}>
        <div>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t('orders.title')}
          </Typography.Title>
          <Typography.Text type="secondary">{t('orders.subtitle')}</Typography.Text>
        </div>
        <Space>
          <Radio.Group
            optionType="button"
            value={status}
            data-testid="orders-status"
            onChange={(e) => {
              setStatus(String(e.target.value));
              setPage(1);
            }}
            options={[
              { value: '', label: t('orders.all') },
              ...STATUSES.map((value) => ({ value, label: t(`srStatus.${value}`) })),
            ]}
          />
          <Button icon={<ReloadOutlined />} onClick={() => void orders.refetch()}>
            {common('refresh')}
          </Button>
          <Button
            type="primary"
            icon={<PlusOutlined />}
            onClick={() => void navigate('/clinic/new-order')}
          >
            {t('nav.newOrder')}
          </Button>
        </Space>
      </div>
      {orders.isError && <Alert type="error" showIcon title={orders.error.message} />}
      <OrderTable
        orders={orders.data?.items}
        loading={orders.isLoading}
        pagination={{
          current: page,
          pageSize: PAGE_SIZE,
          total: orders.data?.total,
          showSizeChanger: false,
          showTotal: (count) => t('orders.total', { count }),
          onChange: setPage,
        }}
      />
    </Space>
  );
}
