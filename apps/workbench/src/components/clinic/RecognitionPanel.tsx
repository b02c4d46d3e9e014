import { FileSearchOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Form,
  Input,
  Modal,
  Radio,
  Select,
  Space,
  Spin,
  Table,
  Typography,
} from 'antd';
import type { Parameters } from 'fhir/r4';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { formatDateTime } from '../format';
import { type CatalogueEntry, useCatalogue } from './catalogue';
import {
  OverrideReasons,
  type Prior,
  RESIDENT_ID_SYSTEM,
  type RecognitionResult,
  recognitionResults,
} from './fhir';
import { ReportView, performerName } from './ReportView';
import { RecognitionMark } from './tags';

/**
 * `$recognition-check` for the patient and item: the recognized prior results the clinic may
 * reuse (检查检验结果互认), or why there are none. Asked again whenever either changes.
 */
export function useRecognitionCheck(
  residentId: string | undefined,
  item: CatalogueEntry | undefined,
) {
  return useQuery({
    queryKey: ['clinic', 'recognition-check', residentId, item?.system, item?.code],
    enabled: Boolean(residentId && item),
    staleTime: 0,
    queryFn: async (): Promise<RecognitionResult | undefined> => {
      const answer = await api<Parameters>('/fhir/ServiceRequest/$recognition-check', {
        type: 'application/fhir+json',
        body: {
          resourceType: 'Parameters',
          parameter: [
            { name: 'patient', valueIdentifier: { system: RESIDENT_ID_SYSTEM, value: residentId } },
            { name: 'code', valueCoding: { system: item?.system, code: item?.code } },
          ],
        },
      });
      return recognitionResults(answer)[0];
    },
  });
}

/** The fields of the order form this panel fills. */
export interface RecognitionFields {
  decision?: 'reuse' | 'override';
  priorId?: string;
  reason?: string;
  reasonText?: string;
}

/**
 * What the check found and the doctor's decision: reuse a prior (chosen in the table; its report
 * can be read first) or order anyway with one of the reasons (“other” in words). Lives inside the
 * order Form, whose fields are {@link RecognitionFields}.
 */
export function RecognitionPanel({
  check,
  ready,
}: {
  check: ReturnType<typeof useRecognitionCheck>;
  /** Patient and item are chosen. */
  ready: boolean;
}) {
  const { t, i18n } = useTranslation('clinic');
  const form = Form.useFormInstance<RecognitionFields>();
  const decision = Form.useWatch('decision', form);
  const priorId = Form.useWatch('priorId', form);
  const reason = Form.useWatch('reason', form);
  const [viewing, setViewing] = useState<Prior>();
  const catalogue = useCatalogue();

  if (!ready) return <Typography.Text type="secondary">{t('recognition.waiting')}</Typography.Text>;
  if (check.isLoading)
    return (
      <Space>
        <Spin size="small" />
        {t('recognition.checking')}
      </Space>
    );
  if (check.isError)
    return (
      <Alert
        type="warning"
        showIcon
        title={t('recognition.failed', { message: check.error.message })}
      />
    );
  const result = check.data;
  const priors = result?.priors ?? [];
  if (priors.length === 0) {
    const codes = [...new Set((result?.reasons ?? []).map((r) => r.code).filter(Boolean))];
    return (
      <Alert
        type="info"
        showIcon
        data-testid="recognition-none"
        title={t('recognition.none')}
        description={codes
          .map((code) => t(`recognitionReason.${code}`, { defaultValue: code }))
          .join('；')}
      />
    );
  }
  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="recognition-priors">
      <Alert
        type="success"
        showIcon
        title={t('recognition.found', { count: priors.length })}
        description={t('recognition.foundHint')}
      />
      <Table<Prior>
        size="small"
        rowKey="reportId"
        pagination={false}
        dataSource={priors}
        rowSelection={
          decision === 'reuse'
            ? {
                type: 'radio',
                selectedRowKeys: priorId ? [priorId] : [],
                onChange: (keys) => form.setFieldValue('priorId', String(keys[0])),
              }
            : undefined
        }
        columns={[
          {
            title: t('recognition.date'),
            dataIndex: 'observedAt',
            render: (value: string | undefined) => formatDateTime(value, i18n.language),
          },
          {
            title: t('recognition.centre'),
            key: 'performer',
            render: (_: unknown, prior) =>
              (prior.report?.performer?.[0] &&
                performerName(prior.report.performer[0], catalogue.data, i18n.language)) ||
              prior.performer,
          },
          {
            title: t('recognition.mark'),
            dataIndex: 'mark',
            render: (mark: string | undefined) => (mark === 'HR' ? <RecognitionMark /> : mark),
          },
          {
            title: t('recognition.validUntil'),
            dataIndex: 'validUntil',
            render: (value: string | undefined) => formatDateTime(value, i18n.language),
          },
          {
            title: t('recognition.report'),
            key: 'report',
            render: (_: unknown, prior) =>
              prior.report ? (
                <Button
                  size="small"
                  icon={<FileSearchOutlined />}
                  onClick={() => setViewing(prior)}
                  data-testid="prior-report-open"
                >
                  {t('recognition.view')}
                </Button>
              ) : null,
          },
        ]}
      />
      <Form.Item
        name="decision"
        label={t('recognition.decision')}
        rules={[{ required: true, message: t('recognition.decisionRequired') }]}
        style={{ marginBottom: 8 }}
      >
        <Radio.Group
          data-testid="recognition-decision"
          onChange={(e) => {
            if (e.target.value === 'reuse' && !form.getFieldValue('priorId'))
              form.setFieldValue('priorId', priors[0]?.reportId);
          }}
          options={[
            { value: 'reuse', label: t('recognition.reuse') },
            { value: 'override', label: t('recognition.override') },
          ]}
        />
      </Form.Item>
      <Form.Item name="priorId" hidden>
        <Input />
      </Form.Item>
      {decision === 'override' && (
        <Space wrap align="start">
          <Form.Item
            name="reason"
            label={t('recognition.reason')}
            rules={[{ required: true, message: t('recognition.reasonRequired') }]}
          >
            <Select
              data-testid="override-reason"
              style={{ width: 320 }}
              options={OverrideReasons.map((code) => ({
                value: code,
                label: t(`overrideReason.${code}`),
              }))}
            />
          </Form.Item>
          <Form.Item
            name="reasonText"
            label={t('recognition.reasonText')}
            rules={[
              {
                required: reason === 'other',
                whitespace: true,
                message: t('recognition.reasonTextRequired'),
              },
            ]}
          >
            <Input style={{ width: 360 }} maxLength={200} />
          </Form.Item>
        </Space>
      )}
      <Modal
        open={Boolean(viewing)}
        onCancel={() => setViewing(undefined)}
        footer={null}
        width={900}
        title={t('recognition.reportTitle')}
        destroyOnHidden
      >
        {viewing?.report && <ReportView report={viewing.report} />}
      </Modal>
    </Space>
  );
}
