import { HistoryOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Empty, Modal, Spin, Tag, Timeline, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { formatDateTime } from '../format';
import { readerName } from './reading-format';
import { type ReadingView } from './types';

interface FhirReport {
  id: string;
  status: string;
  issued?: string;
  conclusion?: string;
  meta?: { versionId?: string; lastUpdated?: string };
  presentedForm?: Array<{ contentType?: string; data?: string }>;
}
interface FhirBundle<T> {
  entry?: Array<{ resource?: T }>;
}

/** A base64 attachment as UTF-8 text. */
function decode(data: string): string {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/**
 * The report's versions (版本历史): who signed each and when, the version being written and why
 * (an amendment's reason); the released versions' text as the clinic received them, from the
 * consortium record. A signed version is never changed: an amendment is the next version.
 */
export function VersionHistory({ view }: { view: ReadingView }) {
  const { t, i18n } = useTranslation('reading');
  const [open, setOpen] = useState(false);
  const released = useQuery({
    queryKey: ['reading', 'released-versions', view.orderId, view.history.length],
    enabled: open && view.history.length > 0,
    queryFn: async () => {
      const found = await api<FhirBundle<FhirReport>>(
        `/fhir/DiagnosticReport?based-on=ServiceRequest/${view.orderId}`,
      );
      const id = found.entry?.[0]?.resource?.id;
      if (!id) return [];
      const history = await api<FhirBundle<FhirReport>>(`/fhir/DiagnosticReport/${id}/_history`);
      return (history.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
    },
  });
  const name = (username?: string) => readerName(view.readers, username);
  const writing = !['final', 'awaiting-cosign'].includes(view.status) && view.author;
  return (
    <>
      <Button
        size="small"
        icon={<HistoryOutlined />}
        data-testid="version-history"
        onClick={() => setOpen(true)}
      >
        {t('history.button', { count: view.history.length })}
      </Button>
      <Modal
        open={open}
        onCancel={() => setOpen(false)}
        footer={null}
        width={760}
        title={t('history.title')}
      >
        <Timeline
          items={[
            ...view.history.map((h) => ({
              color: h.status === 'amended' ? 'orange' : 'green',
              content: (
                <span data-testid={`history-version-${h.version}`}>
                  <Tag>v{h.version}</Tag>
                  {t(`history.status.${h.status}`)} · {name(h.signedBy)} ·{' '}
                  {formatDateTime(h.signedAt, i18n.language)}
                </span>
              ),
            })),
            ...(view.status === 'awaiting-cosign'
              ? [
                  {
                    color: 'purple',
                    content: (
                      <span>
                        <Tag>v{view.version}</Tag>
                        {t('history.awaitingCosign', { name: name(view.signedBy) })}
                      </span>
                    ),
                  },
                ]
              : []),
            ...(writing
              ? [
                  {
                    color: 'gray',
                    content: (
                      <span>
                        <Tag>v{view.version}</Tag>
                        {t('history.writing', { name: name(view.author) })}
                        {view.amendmentReason &&
                          ` · ${t('history.reason', { reason: view.amendmentReason })}`}
                      </span>
                    ),
                  },
                ]
              : []),
          ]}
        />
        <Typography.Title level={5}>{t('history.released')}</Typography.Title>
        <div data-testid="history-released">
          {view.history.length === 0 ? (
            <Empty description={t('history.none')} />
          ) : released.isLoading ? (
            <Spin />
          ) : released.error ? (
            <Alert type="warning" showIcon title={released.error.message} />
          ) : (
            (released.data ?? []).map((report) => {
              const text = report.presentedForm?.find((f) => f.data)?.data;
              return (
                <div
                  key={report.meta?.versionId ?? report.issued}
                  style={{ borderTop: '1px solid #f0f0f0', padding: '8px 0' }}
                >
                  <div>
                    <Tag color={report.status === 'amended' ? 'orange' : 'green'}>
                      {t(`history.status.${report.status}`, { defaultValue: report.status })}
                    </Tag>
                    <span className="reading-muted">
                      {t('history.recordVersion', { version: report.meta?.versionId })} ·{' '}
                      {formatDateTime(report.issued ?? report.meta?.lastUpdated, i18n.language)}
                    </span>
                  </div>
                  <Typography.Paragraph
                    strong
                    style={{ whiteSpace: 'pre-wrap', margin: '4px 0 0', fontSize: 13 }}
                  >
                    {report.conclusion}
                  </Typography.Paragraph>
                  {text && (
                    <Typography.Paragraph
                      type="secondary"
                      style={{ whiteSpace: 'pre-wrap', margin: '4px 0 0', fontSize: 12 }}
                    >
                      {decode(text)}
                    </Typography.Paragraph>
                  )}
                </div>
              );
            })
          )}
        </div>
      </Modal>
    </>
  );
}
