import { AlertFilled, HistoryOutlined, RiseOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App as AntApp,
  Button,
  Card,
  Descriptions,
  Input,
  Space,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../../api';
import { findingName, findingValue, orgName } from '../../components/critical/alerts';
import { type CriticalAlert } from '../../components/critical/types';
import { minutesSince } from '../../components/critical/useNow';
import { formatDateTime, formatMinutes } from '../../components/format';
import { PatientLabel } from '../../components/lab/PatientLabel';

/**
 * One open critical value as a clinic doctor must see it: red, large, with the patient, the value,
 * who reported it, how long it has waited and how far it has escalated, and the read-back that
 * acknowledges it. The hub checks the read-back against the value; its refusal is shown here.
 */
export function OpenAlertCard({
  alert,
  now,
  onHistory,
  onAcknowledged,
}: {
  alert: CriticalAlert;
  now: number;
  onHistory: () => void;
  onAcknowledged: () => void;
}) {
  const { t, i18n } = useTranslation('critical');
  const { t: tc } = useTranslation();
  const { message } = AntApp.useApp();
  const queries = useQueryClient();
  const [readBack, setReadBack] = useState('');
  const [refusal, setRefusal] = useState<string>();
  const en = i18n.language === 'en';
  const waited = formatMinutes(tc, minutesSince(alert.reportedAt, now));
  const item = findingName(alert.finding, en);
  const value = findingValue(alert.finding);

  const acknowledge = useMutation({
    mutationFn: () =>
      api<CriticalAlert>(`/api/critical-values/${encodeURIComponent(alert.id)}/acknowledgement`, {
        body: { readBack: readBack.trim() },
      }),
    onMutate: () => setRefusal(undefined),
    onSuccess: () => {
      void message.success(t('ack.done', { item, value }));
      void queries.invalidateQueries({ queryKey: ['critical-values'] });
      onAcknowledged();
    },
    onError: (error) => setRefusal(error instanceof ApiError ? error.message : tc('error.network')),
  });
  const submit = () => {
    if (!readBack.trim()) setRefusal(t('ack.required'));
    else acknowledge.mutate();
  };

  return (
    <Card
      data-testid="open-alert"
      data-alert-id={alert.id}
      style={{ border: '2px solid #cf1322', background: '#fff1f0' }}
      styles={{ body: { padding: 16 } }}
    >
      <div style={{ display: 'flex', gap: 24, flexWrap: 'wrap', alignItems: 'flex-start' }}>
        <div style={{ flex: '1 1 360px', minWidth: 0 }}>
          <Space size={8} wrap style={{ marginBottom: 8 }}>
            <Tag color="#cf1322" variant="solid" icon={<AlertFilled />} style={{ fontSize: 14 }}>
              {t('alert.critical')}
            </Tag>
            <Tag color="red">{t('alert.unacknowledgedFor', { time: waited })}</Tag>
            {alert.escalationLevel > 0 ? (
              <Tag color="orange" icon={<RiseOutlined />} data-testid="escalation-level">
                {t('alert.escalated', { level: alert.escalationLevel })}
              </Tag>
            ) : (
              <Tag data-testid="escalation-level">{t('alert.notEscalated')}</Tag>
            )}
          </Space>
          <div
            data-testid="alert-finding"
            style={{ fontSize: 28, fontWeight: 700, color: '#cf1322', lineHeight: 1.2 }}
          >
            {item} {value}
          </div>
          <div style={{ fontSize: 16, margin: '8px 0' }}>
            <PatientLabel patient={alert.patient} inline />
          </div>
          <Descriptions
            size="small"
            column={1}
            items={[
              {
                key: 'by',
                label: t('alert.reportedBy'),
                children: `${alert.reportedByName ?? alert.reportedBy} · ${orgName(alert.centreName, alert.centreOrg, en)}`,
              },
              {
                key: 'at',
                label: t('alert.reportedAt'),
                children: `${formatDateTime(alert.reportedAt, i18n.language)} (${t('alert.since', { time: waited })})`,
              },
            ]}
          />
        </div>
        <div style={{ flex: '1 1 320px', minWidth: 0 }}>
          <Typography.Text strong>{t('ack.label')}</Typography.Text>
          <Typography.Paragraph type="secondary" style={{ margin: '4px 0 8px' }}>
            {t('ack.hint')}
          </Typography.Paragraph>
          <Space.Compact style={{ width: '100%' }}>
            <Input
              size="large"
              data-testid="read-back-input"
              placeholder={t('ack.placeholder')}
              value={readBack}
              onChange={(e) => setReadBack(e.target.value)}
              onPressEnter={submit}
              maxLength={500}
            />
            <Button
              size="large"
              type="primary"
              danger
              data-testid="acknowledge-button"
              loading={acknowledge.isPending}
              onClick={submit}
            >
              {t('ack.submit')}
            </Button>
          </Space.Compact>
          {refusal && (
            <Alert
              type="error"
              showIcon
              data-testid="ack-error"
              style={{ marginTop: 8 }}
              title={t('ack.refused')}
              description={refusal}
            />
          )}
          <Button
            type="link"
            icon={<HistoryOutlined />}
            style={{ paddingLeft: 0, marginTop: 8 }}
            onClick={onHistory}
          >
            {t('alert.history')}
          </Button>
        </div>
      </div>
    </Card>
  );
}
