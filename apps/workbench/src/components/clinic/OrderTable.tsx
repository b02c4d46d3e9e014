import { useQuery } from '@tanstack/react-query';
import { Space, Table, type TableProps, Tag, Typography } from 'antd';
import type { Patient, ServiceRequest, Task } from 'fhir/r4';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { formatDateTime, maskResidentId } from '../format';
import { conceptName, useCatalogue } from './catalogue';
import { decisionOf, idOf, patientName, readMany, residentIdOf, searchFhir } from './fhir';
import { performerName } from './ReportView';
import { PriorityTag, TaskStatusTag } from './tags';

/** The patients and Tasks of a page of orders, read in one search each. */
function useOrderContext(orders: ServiceRequest[] | undefined) {
  const ids = (orders ?? []).flatMap((order) => order.id ?? []);
  const patientIds = (orders ?? []).flatMap(
    (order) => idOf(order.subject?.reference, 'Patient') ?? [],
  );
  const tasks = useQuery({
    queryKey: ['clinic', 'orders', 'tasks', ids],
    enabled: ids.length > 0,
    queryFn: async () =>
      (
        await searchFhir<Task>('Task', {
          'based-on': ids.map((id) => `ServiceRequest/${id}`).join(','),
          _count: String(ids.length),
        })
      ).items,
  });
  const patients = useQuery({
    queryKey: ['clinic', 'patients', [...new Set(patientIds)].sort()],
    enabled: patientIds.length > 0,
    queryFn: () => readMany<Patient>('Patient', patientIds),
  });
  return {
    taskOf: (order: ServiceRequest) =>
      tasks.data?.find((task) =>
        task.basedOn?.some((ref) => ref.reference === `ServiceRequest/${order.id}`),
      ),
    patientOf: (order: ServiceRequest) =>
      patients.data?.find((p) => p.id === idOf(order.subject?.reference, 'Patient')),
  };
}

/** The columns both the orders list and a patient's page show. */
function useOrderColumns(context: ReturnType<typeof useOrderContext>, withPatient = true) {
  const { t, i18n } = useTranslation('clinic');
  const catalogue = useCatalogue();
  return [
    {
      title: t('orders.authored'),
      key: 'authored',
      width: 150,
      render: (_: unknown, order: ServiceRequest) =>
        formatDateTime(order.authoredOn, i18n.language),
    },
    ...(withPatient
      ? [
          {
            title: t('orders.patient'),
            key: 'patient',
            render: (_: unknown, order: ServiceRequest) => {
              const patient = context.patientOf(order);
              return (
                <Space orientation="vertical" size={0}>
                  <span>{patientName(patient)}</span>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {maskResidentId(residentIdOf(patient))}
                  </Typography.Text>
                </Space>
              );
            },
          },
        ]
      : []),
    {
      title: t('orders.item'),
      key: 'item',
      render: (_: unknown, order: ServiceRequest) =>
        conceptName(order.code, catalogue.data, i18n.language),
    },
    {
      title: t('orders.priority'),
      key: 'priority',
      render: (_: unknown, order: ServiceRequest) => <PriorityTag priority={order.priority} />,
    },
    {
      title: t('orders.centre'),
      key: 'centre',
      render: (_: unknown, order: ServiceRequest) =>
        performerName(order.performer?.[0], catalogue.data, i18n.language),
    },
    {
      title: t('orders.progress'),
      key: 'progress',
      render: (_: unknown, order: ServiceRequest) => (
        <TaskStatusTag status={context.taskOf(order)?.status} />
      ),
    },
    {
      title: t('orders.recognition'),
      key: 'recognition',
      render: (_: unknown, order: ServiceRequest) => {
        const decision = decisionOf(order);
        if (decision?.kind === 'reuse') return <Tag color="green">{t('orders.reused')}</Tag>;
        if (decision?.kind === 'override')
          return (
            <Tag color="orange">
              {t('orders.override')}：{t(`overrideReason.${decision.reason}`)}
            </Tag>
          );
        return null;
      },
    },
    {
      title: '',
      key: 'open',
      width: 70,
      render: (_: unknown, order: ServiceRequest) => (
        <Link to={`/clinic/orders/${order.id}`}>{t('orders.open')}</Link>
      ),
    },
  ];
}

/**
 * A page of orders: when, for whom, what, how urgent, where, how far the centre's work has got
 * (its Task) and what the doctor decided about a recognized prior; opens an order.
 */
export function OrderTable({
  orders,
  loading,
  pagination,
  withPatient = true,
}: {
  orders: ServiceRequest[] | undefined;
  loading?: boolean;
  pagination?: TableProps<ServiceRequest>['pagination'];
  withPatient?: boolean;
}) {
  const navigate = useNavigate();
  const context = useOrderContext(orders);
  const columns = useOrderColumns(context, withPatient);
  return (
    <Table<ServiceRequest>
      data-testid="orders-table"
      size="middle"
      rowKey="id"
      loading={loading}
      dataSource={orders}
      columns={columns}
      onRow={(order) => ({
        onDoubleClick: () => void navigate(`/clinic/orders/${order.id}`),
      })}
      pagination={pagination ?? false}
    />
  );
}
