import { BarcodeOutlined, CheckOutlined, StopOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App as AntApp,
  Button,
  Card,
  Descriptions,
  Empty,
  Form,
  Input,
  Modal,
  Select,
  Space,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../../api';
import { formatDateTime } from '../../components/format';
import {
  type SpecimenRejectionReason,
  SpecimenRejectionReasons,
  type SpecimenStatus,
  type SpecimenView,
} from '../../components/lab/types';

const STATUS_COLOR: Record<SpecimenStatus, string> = {
  'awaiting-collection': 'default',
  collected: 'blue',
  'in-transit': 'processing',
  received: 'success',
  rejected: 'error',
};

/**
 * 标本签收: a lab technician scans a specimen's label, sees where it has been and how long it
 * travelled against its type's limit, and receives it or rejects it with a reason (the clinic is
 * told and recollects). The lab decides; its refusals are shown as it words them.
 */
export function SpecimenPage() {
  const { t, i18n } = useTranslation('lab');
  const { t: tc } = useTranslation();
  const { message } = AntApp.useApp();
  const queries = useQueryClient();
  const [accession, setAccession] = useState('');
  const [condition, setCondition] = useState('');
  const [rejecting, setRejecting] = useState(false);
  const [form] = Form.useForm<{ reason: SpecimenRejectionReason; note?: string }>();
  const key = ['lab', 'specimen', accession];
  const specimen = useQuery({
    queryKey: key,
    queryFn: () => api<SpecimenView>(`/api/lab/specimens/${encodeURIComponent(accession)}`),
    enabled: accession !== '',
  });
  // A command's answer leaves out the box's departure: keep what the lookup showed.
  const show = (answer: SpecimenView[]) => {
    if (answer[0]) queries.setQueryData<SpecimenView>(key, (shown) => ({ ...shown, ...answer[0] }));
  };
  const receive = useMutation({
    mutationFn: () =>
      api<SpecimenView[]>(`/api/lab/specimens/${encodeURIComponent(accession)}/receipt`, {
        body: condition.trim() ? { condition: condition.trim() } : {},
      }),
    onSuccess: (answer) => {
      show(answer);
      void message.success(t('specimen.receivedOk', { accession }));
    },
  });
  const reject = useMutation({
    mutationFn: (body: { reason: SpecimenRejectionReason; note?: string }) =>
      api<SpecimenView[]>(`/api/lab/specimens/${encodeURIComponent(accession)}/rejection`, {
        body,
      }),
    onSuccess: (answer) => {
      show(answer);
      setRejecting(false);
      form.resetFields();
      void message.success(t('specimen.rejectedOk', { accession }));
    },
  });
  const view = specimen.data;
  const at = (value: string | undefined, who: string | undefined) =>
    value ? `${formatDateTime(value, i18n.language)}${who ? ` · ${who}` : ''}` : '—';
  const over =
    view?.transportMinutes !== undefined &&
    view.transportLimitMinutes !== undefined &&
    view.transportMinutes > view.transportLimitMinutes;
  const canReceive = view?.status === 'collected' || view?.status === 'in-transit';
  const canReject = canReceive || view?.status === 'received';
  const failure = receive.error ?? reject.error;

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%', maxWidth: 960 }}>
      <Card title={t('specimen.title')}>
        <Typography.Paragraph type="secondary">{t('specimen.subtitle')}</Typography.Paragraph>
        <Input.Search
          size="large"
          autoFocus
          allowClear
          prefix={<BarcodeOutlined />}
          placeholder={t('specimen.scan')}
          enterButton={t('specimen.lookup')}
          data-testid="accession-input"
          onSearch={(value) => {
            receive.reset();
            reject.reset();
            setAccession(value.trim());
          }}
          loading={specimen.isFetching}
        />
      </Card>
      {specimen.error && (
        <Alert
          type={
            specimen.error instanceof ApiError && specimen.error.status === 404
              ? 'warning'
              : 'error'
          }
          showIcon
          title={t('specimen.notFound')}
          description={specimen.error.message}
        />
      )}
      {view && (
        <Card
          data-testid="specimen-card"
          title={
            <Space>
              <span style={{ fontFamily: 'monospace', fontSize: 18 }}>{view.accession}</span>
              <Tag color={STATUS_COLOR[view.status]}>{t(`specimen.statuses.${view.status}`)}</Tag>
            </Space>
          }
        >
          <Descriptions
            size="small"
            column={2}
            bordered
            items={[
              { key: 'type', label: t('specimen.type'), children: view.type },
              { key: 'clinic', label: t('specimen.clinic'), children: view.requesterOrg },
              {
                key: 'order',
                label: t('specimen.order'),
                children: <span style={{ fontFamily: 'monospace' }}>{view.orderId}</span>,
              },
              { key: 'batch', label: t('specimen.batch'), children: view.batchId ?? '—' },
              {
                key: 'collected',
                label: t('specimen.collected'),
                children: at(view.collectedAt, view.collector),
              },
              {
                key: 'shipped',
                label: t('specimen.shipped'),
                children: at(view.shippedAt, view.courier),
              },
              {
                key: 'received',
                label: t('specimen.received'),
                children: at(view.receivedAt, view.receiver),
              },
              {
                key: 'transport',
                label: t('specimen.transport'),
                children:
                  view.transportMinutes === undefined ? (
                    '—'
                  ) : (
                    <Typography.Text type={over ? 'danger' : undefined} strong={over}>
                      {t('specimen.transportValue', {
                        minutes: view.transportMinutes,
                        limit: view.transportLimitMinutes,
                      })}
                      {over && ` · ${t('specimen.transportOver')}`}
                    </Typography.Text>
                  ),
              },
              ...(view.condition
                ? [{ key: 'condition', label: t('specimen.condition'), children: view.condition }]
                : []),
              ...(view.rejectionReason
                ? [
                    {
                      key: 'rejection',
                      label: t('specimen.rejection'),
                      children: (
                        <Typography.Text type="danger">
                          {t(`specimen.reasons.${view.rejectionReason}`)}
                          {view.rejectionNote ? ` — ${view.rejectionNote}` : ''}
                        </Typography.Text>
                      ),
                    },
                  ]
                : []),
            ]}
          />
          {failure && (
            <Alert
              type="error"
              showIcon
              style={{ marginTop: 16 }}
              title={tc('error.title')}
              description={failure.message}
            />
          )}
          {(canReceive || canReject) && (
            <Space style={{ marginTop: 16 }} wrap>
              {canReceive && (
                <>
                  <Typography.Text>{t('specimen.condition')}</Typography.Text>
                  <Input
                    style={{ width: 220 }}
                    placeholder={t('specimen.conditionPlaceholder')}
                    aria-label={t('specimen.condition')}
                    value={condition}
                    onChange={(e) => setCondition(e.target.value)}
                  />
                  <Button
                    type="primary"
                    icon={<CheckOutlined />}
                    loading={receive.isPending}
                    onClick={() => receive.mutate()}
                  >
                    {t('specimen.receive')}
                  </Button>
                </>
              )}
              {canReject && (
                <Button danger icon={<StopOutlined />} onClick={() => setRejecting(true)}>
                  {t('specimen.reject')}
                </Button>
              )}
            </Space>
          )}
        </Card>
      )}
      {!view && !specimen.error && accession === '' && (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('specimen.subtitle')} />
      )}
      <Modal
        open={rejecting}
        title={t('specimen.rejectTitle', { accession })}
        okText={t('specimen.reject')}
        okButtonProps={{ danger: true, loading: reject.isPending }}
        cancelText={tc('cancel')}
        onCancel={() => setRejecting(false)}
        onOk={() => void form.validateFields().then((values) => reject.mutate(values))}
        destroyOnHidden
      >
        <Typography.Paragraph type="secondary">{t('specimen.rejectHint')}</Typography.Paragraph>
        <Form form={form} layout="vertical" preserve={false}>
          <Form.Item
            name="reason"
            label={t('specimen.rejectReason')}
            rules={[{ required: true, message: t('specimen.rejectReason') }]}
          >
            <Select
              options={SpecimenRejectionReasons.map((reason) => ({
                value: reason,
                label: t(`specimen.reasons.${reason}`),
              }))}
            />
          </Form.Item>
          <Form.Item name="note" label={t('specimen.rejectNote')}>
            <Input.TextArea rows={2} maxLength={500} />
          </Form.Item>
        </Form>
      </Modal>
    </Space>
  );
}
