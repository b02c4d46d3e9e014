import { SafetyCertificateOutlined } from '@ant-design/icons';
import { Tag, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';

/** The HR mark of a mutually recognized result (检查检验结果互认), as 互认 HR. */
export function RecognitionMark() {
  const { t } = useTranslation('clinic');
  return (
    <Tooltip title={t('report.hrHint')}>
      <Tag color="green" icon={<SafetyCertificateOutlined />} data-testid="hr-mark">
        {t('report.hr')}
      </Tag>
    </Tooltip>
  );
}

const PRIORITY_COLOURS: Record<string, string | undefined> = {
  routine: undefined,
  urgent: 'orange',
  asap: 'orange',
  stat: 'red',
};

export function PriorityTag({ priority }: { priority: string | undefined }) {
  const { t } = useTranslation('clinic');
  const value = priority ?? 'routine';
  return <Tag color={PRIORITY_COLOURS[value]}>{t(`priority.${value}`)}</Tag>;
}

const TASK_COLOURS: Record<string, string> = {
  requested: 'default',
  received: 'blue',
  accepted: 'blue',
  ready: 'blue',
  'in-progress': 'processing',
  'on-hold': 'warning',
  completed: 'success',
  failed: 'error',
  rejected: 'error',
  cancelled: 'default',
  'entered-in-error': 'default',
  draft: 'default',
};

/** Where an order stands, by its Task (the centre's work). */
export function TaskStatusTag({ status }: { status: string | undefined }) {
  const { t } = useTranslation('clinic');
  if (!status) return null;
  return <Tag color={TASK_COLOURS[status] ?? 'default'}>{t(`taskStatus.${status}`)}</Tag>;
}

const REPORT_COLOURS: Record<string, string> = {
  final: 'success',
  amended: 'warning',
  corrected: 'warning',
  preliminary: 'processing',
  cancelled: 'default',
  'entered-in-error': 'default',
};

export function ReportStatusTag({ status }: { status: string | undefined }) {
  const { t } = useTranslation('clinic');
  if (!status) return null;
  return <Tag color={REPORT_COLOURS[status] ?? 'default'}>{t(`reportStatus.${status}`)}</Tag>;
}
