import { AlertFilled, CheckCircleOutlined, WarningOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App as AntApp,
  Button,
  Card,
  Descriptions,
  Popconfirm,
  Space,
  Table,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import { type ColumnsType } from 'antd/es/table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../../api';
import { hasRole, useAuth } from '../../auth';
import { minutesSince, useNow } from '../../components/critical/useNow';
import { formatDateTime, formatMinutes } from '../../components/format';
import { PatientLabel } from '../../components/lab/PatientLabel';
import { rowClass } from '../../components/lab/RowStyles';
import {
  ResultFlagTag,
  flaggedValue,
  formatRange,
  valueStyle,
} from '../../components/lab/ResultFlag';
import {
  type VerificationItem,
  type VerificationResult,
  type VerifyAnswer,
  isCritical,
} from '../../components/lab/types';

/** A date and time in few characters ("24/11/26 00:52"), China time. */
function shortDateTime(value: string, language: string): string {
  return new Intl.DateTimeFormat(language === 'en' ? 'en-GB' : 'zh-CN', {
    timeZone: 'Asia/Shanghai',
    year: '2-digit',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(value));
}

/**
 * One report waiting for verification: who it is for, its results against their ranges with the
 * patient's previous values, the delta-check and critical-value warnings, and the verify button.
 * The hub refuses a verification by whoever entered the results; its refusal is shown here.
 */
export function VerificationDetail({
  item,
  onReleased,
}: {
  item: VerificationItem;
  onReleased: () => void;
}) {
  const { t, i18n } = useTranslation('lab');
  const { t: tc } = useTranslation();
  const { me } = useAuth();
  const { message } = AntApp.useApp();
  const queries = useQueryClient();
  const now = useNow();
  const [refusal, setRefusal] = useState<ApiError>();
  const en = i18n.language === 'en';
  const language = i18n.language;
  const critical = item.results.some((r) => isCritical(r.interpretation));
  const delta = item.results.some((r) => r.delta);
  const canVerify = hasRole(me, ['lab-doctor']);
  const clinic = (en ? item.requester?.nameEn : item.requester?.name) ?? item.requester?.org ?? '';
  const itemName = (en ? item.item?.display : item.item?.displayZh) ?? item.code;

  const verify = useMutation({
    mutationFn: () =>
      api<VerifyAnswer>(`/api/lab/reports/${encodeURIComponent(item.orderId)}/verification`, {
        method: 'POST',
      }),
    onMutate: () => setRefusal(undefined),
    onSuccess: (answer) => {
      void message.success(
        answer.critical > 0
          ? t('verification.verifiedCritical', { clinic })
          : t('verification.verified', { patient: item.patient?.name ?? '', item: itemName }),
      );
      void queries.invalidateQueries({ queryKey: ['lab', 'verifications'] });
      void queries.invalidateQueries({ queryKey: ['critical-values'] });
      onReleased();
    },
    onError: (error) =>
      setRefusal(error instanceof ApiError ? error : new ApiError(0, error.message)),
  });

  const columns: ColumnsType<VerificationResult> = [
    {
      title: t('verification.analyte'),
      key: 'analyte',
      render: (_, r) => (
        <div style={{ lineHeight: 1.3 }}>
          {(en ? r.display : (r.displayZh ?? r.display)) || r.code}
          <br />
          <Typography.Text type="secondary" style={{ fontSize: 11, whiteSpace: 'nowrap' }}>
            LOINC {r.code}
          </Typography.Text>
        </div>
      ),
    },
    {
      title: t('verification.value'),
      key: 'value',
      render: (_, r) => (
        <div style={{ display: 'flex', flexDirection: 'column', alignItems: 'flex-start', gap: 2 }}>
          <span style={{ whiteSpace: 'nowrap' }}>
            <span
              data-testid={`result-value-${r.code}`}
              style={{
                fontSize: isCritical(r.interpretation) ? 22 : 16,
                ...valueStyle(r.interpretation),
              }}
            >
              {flaggedValue(r.value, r.interpretation)}
            </span>{' '}
            <Typography.Text type="secondary">{r.unit}</Typography.Text>
          </span>
          <ResultFlagTag flag={r.interpretation} />
          {r.delta && (
            <Tooltip title={r.note}>
              <Tag color="gold" icon={<WarningOutlined />} data-testid="delta-warning">
                {t('verification.deltaFailed')}
              </Tag>
            </Tooltip>
          )}
        </div>
      ),
    },
    {
      title: t('verification.range'),
      key: 'range',
      render: (_, r) => <span style={{ whiteSpace: 'nowrap' }}>{formatRange(r.low, r.high)}</span>,
    },
    {
      title: t('verification.previous'),
      key: 'previous',
      render: (_, r) =>
        r.previous.length === 0 ? (
          <Typography.Text type="secondary">{t('verification.noPrevious')}</Typography.Text>
        ) : (
          <div data-testid={`previous-${r.code}`} style={{ lineHeight: 1.4 }}>
            {r.previous.map((p) => (
              <div key={`${p.at}-${p.value}`} style={{ whiteSpace: 'nowrap' }}>
                <span style={valueStyle(p.interpretation)}>
                  {flaggedValue(p.value, p.interpretation)}
                </span>{' '}
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {shortDateTime(p.at, language)}
                </Typography.Text>
              </div>
            ))}
          </div>
        ),
    },
  ];

  const refusedByTwoPersonRule = refusal?.status === 403 && /cannot verify/.test(refusal.message);
  const verifyButton = (
    <Button
      type="primary"
      danger={critical}
      size="large"
      icon={critical ? <AlertFilled /> : <CheckCircleOutlined />}
      disabled={!canVerify}
      loading={verify.isPending}
      data-testid="verify-button"
      onClick={critical ? undefined : () => verify.mutate()}
    >
      {critical ? t('verification.verifyCritical') : t('verification.verify')}
    </Button>
  );

  return (
    <Card
      data-testid="verification-detail"
      style={critical ? { borderColor: '#cf1322', borderWidth: 2 } : undefined}
      title={<PatientLabel patient={item.patient} inline />}
      extra={<Tag>{t(`priority.${item.priority}`, item.priority)}</Tag>}
    >
      <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
        {critical && (
          <Alert
            type="error"
            showIcon
            icon={<AlertFilled />}
            data-testid="critical-notice"
            title={<strong>{t('verification.critical')}</strong>}
            description={t('verification.criticalNotice')}
          />
        )}
        {delta && <Alert type="warning" showIcon title={t('verification.deltaNotice')} />}
        <Descriptions
          size="small"
          column={2}
          items={[
            { key: 'clinic', label: t('verification.clinic'), children: clinic },
            { key: 'item', label: t('verification.item'), children: itemName },
            {
              key: 'order',
              label: t('verification.orderNumber'),
              children: (
                <span style={{ fontFamily: 'monospace', whiteSpace: 'nowrap' }}>
                  {item.orderNumber ?? item.orderId}
                </span>
              ),
            },
            {
              key: 'by',
              label: t('verification.enteredBy'),
              children: item.enteredByName ?? item.enteredBy,
            },
            {
              key: 'at',
              label: t('verification.enteredAt'),
              children: `${formatDateTime(item.enteredAt, language)} (${t('verification.waiting', {
                time: formatMinutes(tc, minutesSince(item.enteredAt, now)),
              })})`,
            },
            ...(item.correctionReason
              ? [
                  {
                    key: 'correction',
                    label: t('verification.correction'),
                    children: item.correctionReason,
                  },
                ]
              : []),
          ]}
        />
        <Table<VerificationResult>
          rowKey="code"
          size="small"
          columns={columns}
          dataSource={item.results}
          pagination={false}
          scroll={{ x: 'max-content' }}
          rowClassName={(r) => rowClass(isCritical(r.interpretation))}
        />
        {refusal && (
          <Alert
            type="error"
            showIcon
            data-testid="verify-error"
            title={t('verification.refused')}
            description={
              <>
                <div>{refusal.message}</div>
                {refusedByTwoPersonRule && <strong>{t('verification.twoPerson')}</strong>}
              </>
            }
          />
        )}
        <div style={{ display: 'flex', justifyContent: 'flex-end' }}>
          {!canVerify ? (
            <Tooltip title={t('verification.techOnly')}>{verifyButton}</Tooltip>
          ) : critical ? (
            <Popconfirm
              title={t('verification.verifyCritical')}
              description={t('verification.confirmCritical', { clinic })}
              okText={t('verification.verify')}
              cancelText={tc('cancel')}
              okButtonProps={{ danger: true, 'data-testid': 'verify-confirm' }}
              onConfirm={() => verify.mutate()}
            >
              {verifyButton}
            </Popconfirm>
          ) : (
            verifyButton
          )}
        </div>
      </Space>
    </Card>
  );
}
