import {
  AlertFilled,
  CheckCircleFilled,
  CloseCircleFilled,
  PhoneOutlined,
  RiseOutlined,
} from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, Descriptions, Drawer, Empty, Spin, Tag, Timeline, Typography } from 'antd';
import { type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { formatDateTime, formatMinutes } from '../format';
import { PatientLabel } from '../lab/PatientLabel';
import { findingName, findingValue, orgName } from './alerts';
import { type CriticalAlertDetail, type CriticalAlertEvent } from './types';

const EVENT_LOOK: Record<CriticalAlertEvent['kind'], { color: string; icon: ReactNode }> = {
  raised: { color: 'red', icon: <AlertFilled style={{ color: '#cf1322' }} /> },
  escalated: { color: 'orange', icon: <RiseOutlined style={{ color: '#d46b08' }} /> },
  'acknowledgement-refused': {
    color: 'red',
    icon: <CloseCircleFilled style={{ color: '#cf1322' }} />,
  },
  acknowledged: { color: 'green', icon: <CheckCircleFilled style={{ color: '#389e0d' }} /> },
};

/** Time to the second, as the closed loop records it (China time). */
function exactTime(value: string, language: string): string {
  return new Intl.DateTimeFormat(language === 'en' ? 'en-GB' : 'zh-CN', {
    timeZone: 'Asia/Shanghai',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).format(new Date(value));
}

/**
 * An alert's closed loop (闭环): who reported it and when, whom the hub notified at each level,
 * every read-back (refused ones too) and who acknowledged it, in order.
 */
export function AlertHistoryDrawer({ id, onClose }: { id?: string; onClose: () => void }) {
  const { t, i18n } = useTranslation('critical');
  const { t: tc } = useTranslation();
  const en = i18n.language === 'en';
  const detail = useQuery({
    queryKey: ['critical-values', 'detail', id],
    queryFn: () => api<CriticalAlertDetail>(`/api/critical-values/${encodeURIComponent(id ?? '')}`),
    enabled: Boolean(id),
    refetchInterval: 15_000,
  });
  const alert = detail.data;
  const acknowledgedIn =
    alert?.acknowledgement &&
    (Date.parse(alert.acknowledgement.at) - Date.parse(alert.reportedAt)) / 60_000;

  return (
    <Drawer
      open={Boolean(id)}
      onClose={onClose}
      size={640}
      title={t('history.title')}
      destroyOnHidden
    >
      <div data-testid="alert-history">
        {detail.isLoading && <Spin />}
        {detail.error && <Alert type="error" showIcon title={detail.error.message} />}
        {alert && (
          <>
            <div style={{ marginBottom: 16 }}>
              <Tag
                color={alert.status === 'open' ? '#cf1322' : 'success'}
                variant={alert.status === 'open' ? 'solid' : 'outlined'}
                data-testid="history-status"
                style={{ fontSize: 14, padding: '2px 10px', marginRight: 12 }}
              >
                {alert.status === 'open' ? t('alert.statusOpen') : t('alert.statusAcknowledged')}
              </Tag>
              <Typography.Text strong style={{ fontSize: 18, color: '#cf1322' }}>
                {findingName(alert.finding, en)} {findingValue(alert.finding)}
              </Typography.Text>
            </div>
            <Descriptions
              size="small"
              column={1}
              bordered
              items={[
                {
                  key: 'patient',
                  label: t('alert.patient'),
                  children: <PatientLabel patient={alert.patient} inline />,
                },
                {
                  key: 'clinic',
                  label: t('alert.clinic'),
                  children: orgName(alert.requesterName, alert.requesterOrg, en),
                },
                {
                  key: 'reported',
                  label: t('alert.reportedBy'),
                  children: `${alert.reportedByName ?? alert.reportedBy} · ${orgName(alert.centreName, alert.centreOrg, en)} · ${formatDateTime(alert.reportedAt, i18n.language)}`,
                },
                {
                  key: 'escalation',
                  label: t('alert.escalation'),
                  children: alert.escalationLevel
                    ? t('alert.escalated', { level: alert.escalationLevel })
                    : t('alert.notEscalated'),
                },
                ...(alert.acknowledgement
                  ? [
                      {
                        key: 'ack',
                        label: t('alert.acknowledgedBy'),
                        children: `${alert.acknowledgement.by} · ${formatDateTime(alert.acknowledgement.at, i18n.language)}`,
                      },
                      {
                        key: 'readBack',
                        label: t('alert.readBack'),
                        children: alert.acknowledgement.readBack,
                      },
                      {
                        key: 'duration',
                        label: t('alert.timeToAck'),
                        children: formatMinutes(tc, acknowledgedIn ?? 0),
                      },
                    ]
                  : []),
              ]}
            />
            <Typography.Title level={5} style={{ marginTop: 24 }}>
              {t('alert.history')}
            </Typography.Title>
            {alert.events.length === 0 ? (
              <Empty />
            ) : (
              <Timeline
                data-testid="history-events"
                items={alert.events.map((event, i) => ({
                  key: i,
                  color: EVENT_LOOK[event.kind].color,
                  icon: EVENT_LOOK[event.kind].icon,
                  content: (
                    <EventText
                      event={event}
                      time={exactTime(event.at, i18n.language)}
                      // The raised event names the releasing account: show the person.
                      actor={
                        event.actor === alert.reportedBy
                          ? (alert.reportedByName ?? event.actor)
                          : event.actor
                      }
                    />
                  ),
                }))}
              />
            )}
          </>
        )}
      </div>
    </Drawer>
  );
}

function EventText({
  event,
  time,
  actor,
}: {
  event: CriticalAlertEvent;
  time: string;
  actor: string;
}) {
  const { t } = useTranslation('critical');
  return (
    <div data-testid={`event-${event.kind}`}>
      <Typography.Text type="secondary" style={{ fontFamily: 'monospace', marginRight: 8 }}>
        {time}
      </Typography.Text>
      <Typography.Text strong>{t(`history.${event.kind}`, { level: event.level })}</Typography.Text>
      {actor !== 'hub' && (
        <span style={{ marginLeft: 8 }}>
          {actor}
          {event.actorOrg ? ` (${event.actorOrg})` : ''}
        </span>
      )}
      {event.actorAccount && (
        <Typography.Text type="secondary" style={{ marginLeft: 8 }}>
          {t('history.account', { account: event.actorAccount })}
        </Typography.Text>
      )}
      {event.readBack && (
        <div>
          <Typography.Text type={event.kind === 'acknowledgement-refused' ? 'danger' : undefined}>
            {t('history.readBack', { text: event.readBack })}
          </Typography.Text>
        </div>
      )}
      {event.notified.length > 0 && (
        <div>
          <Typography.Text type="secondary">{t('history.notified')}: </Typography.Text>
          {event.notified.map((contact) => (
            <div key={`${contact.role}-${contact.name}`} style={{ marginLeft: 12 }}>
              <PhoneOutlined /> {contact.name} · {t(`history.roles.${contact.role}`)} ·{' '}
              {contact.org}
              {contact.phone ? ` · ${contact.phone}` : ''}
            </div>
          ))}
        </div>
      )}
      {event.detail && (
        <div>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {event.detail}
          </Typography.Text>
        </div>
      )}
    </div>
  );
}
