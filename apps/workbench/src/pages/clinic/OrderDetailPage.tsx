import { ArrowLeftOutlined, FileTextOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Card,
  Descriptions,
  Result,
  Skeleton,
  Space,
  Steps,
  Tag,
  Timeline,
  Typography,
} from 'antd';
import type { Bundle, DiagnosticReport, Patient, ServiceRequest, Specimen, Task } from 'fhir/r4';
import { type TFunction } from 'i18next';
import { type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { ApiError, api } from '../../api';
import { conceptName, useCatalogue } from '../../components/clinic/catalogue';
import {
  decisionOf,
  idOf,
  identifierOfType,
  patientName,
  reportIdOf,
  residentIdOf,
  searchFhir,
} from '../../components/clinic/fhir';
import { ReportView, performerName } from '../../components/clinic/ReportView';
import { PriorityTag, TaskStatusTag } from '../../components/clinic/tags';
import { formatDateTime, maskResidentId } from '../../components/format';

/** How far a Task status has got on requested → accepted → in progress → completed. */
const STAGE: Record<string, number> = {
  draft: 0,
  requested: 0,
  received: 1,
  accepted: 1,
  ready: 1,
  'in-progress': 2,
  'on-hold': 2,
  completed: 3,
};
const STOPPED = ['failed', 'rejected', 'cancelled', 'entered-in-error', 'on-hold'];

/** The Task's versions, oldest first. */
function versionsOf(history: Bundle | undefined): Task[] {
  return (history?.entry ?? [])
    .map((entry) => entry.resource as Task)
    .filter((task) => task?.resourceType === 'Task')
    .sort((a, b) => Number(a.meta?.versionId ?? 0) - Number(b.meta?.versionId ?? 0));
}

const changedAt = (task: Task) => task.lastModified ?? task.meta?.lastUpdated;

/** The four stages with the time each was reached (from the Task's history). */
function StatusSteps({
  order,
  task,
  versions,
}: {
  order: ServiceRequest;
  task: Task | undefined;
  versions: Task[];
}) {
  const { t, i18n } = useTranslation('clinic');
  const reused = decisionOf(order)?.kind === 'reuse';
  const status = task?.status ?? 'requested';
  const stage = STAGE[status] ?? 0;
  const stopped = STOPPED.includes(status);
  const reachedAt = (stageIndex: number) => {
    if (stageIndex === 0) return order.authoredOn ?? (versions[0] && changedAt(versions[0]));
    const version = versions.find(
      (v) => STAGE[v.status] === stageIndex && !STOPPED.includes(v.status),
    );
    return version && changedAt(version);
  };
  const titles = [
    t('order.stepRequested'),
    t('order.stepAccepted'),
    t('order.stepInProgress'),
    t('order.stepCompleted'),
  ];
  const current = stopped ? Math.min(stage + (status === 'on-hold' ? 0 : 1), 3) : stage;
  return (
    <Steps
      data-testid="order-steps"
      current={current}
      status={stopped ? 'error' : stage === 3 ? 'finish' : 'process'}
      items={titles.map((title, index) => {
        const at = reachedAt(index);
        const skipped = !at && index > 0 && index < stage;
        return {
          title,
          content:
            index === current && stopped ? (
              <Space orientation="vertical" size={0}>
                <TaskStatusTag status={status} />
                {task?.statusReason?.text && (
                  <Typography.Text type="danger">{task.statusReason.text}</Typography.Text>
                )}
              </Space>
            ) : at && index <= stage ? (
              formatDateTime(at, i18n.language)
            ) : skipped ? (
              reused ? (
                t('order.skipped')
              ) : (
                '—'
              )
            ) : undefined,
        };
      })}
    />
  );
}

/** Every change of the Task, and the specimen's collection and receipt, in time order. */
function History({
  versions,
  specimen,
  t,
  language,
}: {
  versions: Task[];
  specimen: Specimen | undefined;
  t: TFunction;
  language: string;
}) {
  const events: Array<{ at: string; text: ReactNode; colour?: string }> = [];
  let previous: string | undefined;
  for (const version of versions) {
    if (version.status === previous) continue;
    previous = version.status;
    const at = changedAt(version);
    if (!at) continue;
    const detail = version.statusReason?.text ?? version.businessStatus?.text;
    events.push({
      at,
      colour: STOPPED.includes(version.status)
        ? 'red'
        : version.status === 'completed'
          ? 'green'
          : 'blue',
      text: (
        <Space size={4} wrap>
          <TaskStatusTag status={version.status} />
          {detail && <Typography.Text type="secondary">{detail}</Typography.Text>}
        </Space>
      ),
    });
  }
  if (specimen?.collection?.collectedDateTime)
    events.push({
      at: specimen.collection.collectedDateTime,
      text: t('specimen.collected'),
      colour: 'gray',
    });
  if (specimen?.receivedTime)
    events.push({ at: specimen.receivedTime, text: t('specimen.received'), colour: 'gray' });
  events.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return (
    <Timeline
      data-testid="order-history"
      titleSpan="150px"
      items={events.map((event, index) => ({
        key: index,
        color: event.colour,
        title: formatDateTime(event.at, language),
        content: event.text,
      }))}
    />
  );
}

/** A lab order's specimen: the label's number, its type and where it is. */
function SpecimenCard({ specimen }: { specimen: Specimen }) {
  const { t, i18n } = useTranslation('clinic');
  const state =
    specimen.status === 'unsatisfactory'
      ? 'rejected'
      : specimen.receivedTime
        ? 'received'
        : specimen.collection?.collectedDateTime
          ? 'collected'
          : 'awaiting';
  const colour = {
    rejected: 'error',
    received: 'success',
    collected: 'processing',
    awaiting: 'default',
  }[state];
  return (
    <Card size="small" title={t('specimen.title')} data-testid="order-specimen">
      <Descriptions
        size="small"
        column={{ xs: 1, md: 3 }}
        items={[
          {
            key: 'accession',
            label: t('specimen.accession'),
            children: (
              <Typography.Text strong copyable style={{ fontFamily: 'monospace' }}>
                {specimen.accessionIdentifier?.value}
              </Typography.Text>
            ),
          },
          { key: 'type', label: t('specimen.type'), children: specimen.type?.text },
          {
            key: 'state',
            label: t('specimen.state'),
            children: <Tag color={colour}>{t(`specimen.${state}`)}</Tag>,
          },
          {
            key: 'collected',
            label: t('specimen.collectedAt'),
            children: formatDateTime(specimen.collection?.collectedDateTime, i18n.language),
          },
          {
            key: 'collector',
            label: t('specimen.collector'),
            children: specimen.collection?.collector?.display,
          },
          {
            key: 'received',
            label: t('specimen.receivedAt'),
            children: formatDateTime(specimen.receivedTime, i18n.language),
          },
          ...(specimen.condition?.length || specimen.note?.length
            ? [
                {
                  key: 'notes',
                  label: t('specimen.notes'),
                  span: 3,
                  children: [
                    ...(specimen.condition ?? []).map((c) => c.text),
                    ...(specimen.note ?? []).map((n) => n.text),
                  ]
                    .filter(Boolean)
                    .join('；'),
                },
              ]
            : []),
        ]}
      />
    </Card>
  );
}

/**
 * One order: what, for whom, the numbers on both sides, the doctor's recognition decision; its
 * status timeline (requested → accepted → in progress → completed, with times, from the Task's
 * history), the specimen for lab orders, and the report once there is one.
 */
export function OrderDetailPage() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation('clinic');
  const navigate = useNavigate();
  const catalogue = useCatalogue();
  const order = useQuery({
    queryKey: ['clinic', 'orders', 'one', id],
    queryFn: () => api<ServiceRequest>(`/fhir/ServiceRequest/${id}`),
    refetchInterval: (query) => (query.state.data?.status === 'active' ? 10_000 : false),
  });
  const task = useQuery({
    queryKey: ['clinic', 'orders', 'task', id, order.data?.meta?.versionId],
    enabled: Boolean(order.data),
    refetchInterval: (query) =>
      query.state.data && query.state.data.status !== 'completed' ? 10_000 : false,
    queryFn: async () =>
      (await searchFhir<Task>('Task', { 'based-on': `ServiceRequest/${id}` })).items[0] ?? null,
  });
  const taskId = task.data?.id;
  const history = useQuery({
    queryKey: ['clinic', 'orders', 'task-history', taskId, task.data?.meta?.versionId],
    enabled: Boolean(taskId),
    queryFn: () => api<Bundle>(`/fhir/Task/${taskId}/_history`),
  });
  const patientId = idOf(order.data?.subject?.reference, 'Patient');
  const patient = useQuery({
    queryKey: ['clinic', 'patient', patientId],
    enabled: Boolean(patientId),
    queryFn: () => api<Patient>(`/fhir/Patient/${patientId}`),
  });
  const specimenId = idOf(order.data?.specimen?.[0]?.reference, 'Specimen');
  const specimen = useQuery({
    queryKey: ['clinic', 'specimen', specimenId, task.data?.meta?.versionId],
    enabled: Boolean(specimenId),
    refetchInterval: 15_000,
    queryFn: () => api<Specimen>(`/fhir/Specimen/${specimenId}`),
  });
  const reportId =
    task.data?.output
      ?.map((output) => idOf(output.valueReference?.reference, 'DiagnosticReport'))
      .find(Boolean) ?? (order.data ? reportIdOf(order.data) : undefined);
  const report = useQuery({
    queryKey: ['clinic', 'reports', 'one', reportId],
    enabled: Boolean(reportId),
    queryFn: () => api<DiagnosticReport>(`/fhir/DiagnosticReport/${reportId}`),
  });

  if (order.isError)
    return (
      <Result
        status={order.error instanceof ApiError && order.error.status === 404 ? '404' : 'error'}
        title={
          order.error instanceof ApiError && order.error.status === 404
            ? t('order.notFound')
            : order.error.message
        }
        extra={<Button onClick={() => void navigate('/clinic/orders')}>{t('order.back')}</Button>}
      />
    );
  if (!order.data) return <Skeleton active />;
  const o = order.data;
  const decision = decisionOf(o);
  const versions = versionsOf(history.data);
  return (
    <Space
      orientation="vertical"
      size="middle"
      style={{ width: '100%' }}
      data-testid="order-detail"
    >
      <Space>
        <Button icon={<ArrowLeftOutlined />} onClick={() => void navigate('/clinic/orders')}>
          {t('order.back')}
        </Button>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('order.title')} · {conceptName(o.code, catalogue.data, i18n.language)}
        </Typography.Title>
        <TaskStatusTag status={task.data?.status ?? undefined} />
      </Space>
      <Card size="small">
        <Descriptions
          size="small"
          column={{ xs: 1, md: 2, xl: 4 }}
          items={[
            {
              key: 'patient',
              label: t('order.patient'),
              children: patientName(patient.data),
            },
            {
              key: 'id',
              label: t('order.residentId'),
              children: maskResidentId(residentIdOf(patient.data)),
            },
            {
              key: 'item',
              label: t('order.item'),
              children: conceptName(o.code, catalogue.data, i18n.language),
            },
            {
              key: 'priority',
              label: t('order.priority'),
              children: <PriorityTag priority={o.priority} />,
            },
            {
              key: 'centre',
              label: t('order.centre'),
              children: performerName(o.performer?.[0], catalogue.data, i18n.language),
            },
            {
              key: 'authored',
              label: t('order.authored'),
              children: formatDateTime(o.authoredOn, i18n.language),
            },
            {
              key: 'placer',
              label: t('order.placer'),
              children: identifierOfType(o.identifier, 'PLAC'),
            },
            {
              key: 'filler',
              label: t('order.filler'),
              children: identifierOfType(o.identifier, 'FILL'),
            },
            ...(identifierOfType(o.identifier, 'ACSN')
              ? [
                  {
                    key: 'accession',
                    label: t('order.accession'),
                    children: identifierOfType(o.identifier, 'ACSN'),
                  },
                ]
              : []),
            ...(decision
              ? [
                  {
                    key: 'decision',
                    label: t('order.decision'),
                    children:
                      decision.kind === 'reuse' ? (
                        <Tag color="green">{t('order.reusedDecision')}</Tag>
                      ) : (
                        <Tag color="orange">
                          {t('order.overrideDecision', {
                            reason: [t(`overrideReason.${decision.reason}`), decision.text]
                              .filter(Boolean)
                              .join('：'),
                          })}
                        </Tag>
                      ),
                  },
                ]
              : []),
            ...(o.note?.length
              ? [
                  {
                    key: 'note',
                    label: t('order.note'),
                    children: o.note.map((n) => n.text).join('；'),
                  },
                ]
              : []),
          ]}
        />
      </Card>
      <Card size="small" title={t('order.timeline')}>
        <StatusSteps order={o} task={task.data ?? undefined} versions={versions} />
        <Typography.Title level={5} style={{ marginTop: 24 }}>
          {t('order.history')}
        </Typography.Title>
        <History versions={versions} specimen={specimen.data} t={t} language={i18n.language} />
      </Card>
      {specimen.data && <SpecimenCard specimen={specimen.data} />}
      <Card
        size="small"
        title={t('report.title')}
        extra={
          reportId ? (
            <Button
              icon={<FileTextOutlined />}
              onClick={() => void navigate(`/clinic/reports/${reportId}`)}
              data-testid="order-report-open"
            >
              {t('report.open')} / {t('report.print')}
            </Button>
          ) : undefined
        }
      >
        {report.data ? (
          <ReportView report={report.data} />
        ) : report.isError ? (
          <Alert type="error" showIcon title={report.error.message} />
        ) : reportId ? (
          <Skeleton active />
        ) : (
          <Typography.Text type="secondary">{t('report.pending')}</Typography.Text>
        )}
      </Card>
    </Space>
  );
}
