import {
  ArrowDownOutlined,
  ArrowUpOutlined,
  CheckCircleFilled,
  CloseCircleFilled,
  SyncOutlined,
} from '@ant-design/icons';
import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { type HealthStatus, type Hl7Direction, type Hl7Status } from './types';

/** Up in green, down in solid red: a failure must stand out on a wall screen. */
export function HealthTag({ status, testId }: { status: HealthStatus; testId?: string }) {
  const { t } = useTranslation('it');
  return status === 'up' ? (
    <Tag color="success" icon={<CheckCircleFilled />} data-testid={testId} data-status="up">
      {t('status.up')}
    </Tag>
  ) : (
    <Tag
      color="#cf1322"
      variant="solid"
      icon={<CloseCircleFilled />}
      data-testid={testId}
      data-status="down"
    >
      {t('status.down')}
    </Tag>
  );
}

const HL7_STATUS_COLOURS: Record<Hl7Status, string> = {
  received: 'processing',
  processed: 'success',
  delivered: 'success',
  refused: 'error',
  failed: 'error',
};

export function Hl7StatusTag({ status, testId }: { status: Hl7Status; testId?: string }) {
  const { t } = useTranslation('it');
  return (
    <Tag
      color={HL7_STATUS_COLOURS[status]}
      icon={status === 'received' ? <SyncOutlined spin /> : undefined}
      data-testid={testId}
      data-status={status}
    >
      {t(`hl7.statuses.${status}`)}
    </Tag>
  );
}

export function DirectionTag({ direction }: { direction: Hl7Direction }) {
  const { t } = useTranslation('it');
  return direction === 'in' ? (
    <Tag icon={<ArrowDownOutlined />} color="blue">
      {t('hl7.direction.in')}
    </Tag>
  ) : (
    <Tag icon={<ArrowUpOutlined />} color="purple">
      {t('hl7.direction.out')}
    </Tag>
  );
}

/** A queue's purpose in the person's language, then its technical name. */
export function useQueueLabel(): (name: string) => string {
  const { t } = useTranslation('it');
  return (name) => t(`queueName.${name}`, { defaultValue: name });
}
