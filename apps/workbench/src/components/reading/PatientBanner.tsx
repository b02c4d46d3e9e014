import { ArrowLeftOutlined } from '@ant-design/icons';
import { Button, Tooltip, Typography } from 'antd';
import { type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { formatDateTime, formatTimeLeft } from '../format';
import {
  PatientName,
  PriorityTag,
  StatusTag,
  clinicName,
  itemName,
  sexAge,
  useNow,
} from './reading-format';
import { type Centre, type ReadingView } from './types';

/**
 * The top of every reading screen: back to the worklist, who the patient is (identity number
 * masked), which clinic asked for what and why, the priority, the status and the time left.
 */
export function PatientBanner({
  centre,
  view,
  extra,
}: {
  centre: Centre;
  view: ReadingView;
  extra?: ReactNode;
}) {
  const { t, i18n } = useTranslation(['reading', centre, 'common']);
  // The time words are common to every screen.
  const { t: tc } = useTranslation('common');
  const navigate = useNavigate();
  const now = useNow(15_000);
  const due = view.turnaround?.dueAt;
  const left =
    due && !view.turnaround?.reportedAt ? Math.round((Date.parse(due) - now) / 60_000) : undefined;
  return (
    <div className="reading-banner" data-testid="patient-banner">
      <Button
        size="small"
        icon={<ArrowLeftOutlined />}
        onClick={() => void navigate(`/${centre}`)}
        data-testid="back-to-worklist"
      >
        {t(`${centre}:nav.worklist`)}
      </Button>
      <span className="reading-banner-name">
        <PatientName context={view} strong />
      </span>
      <span>{sexAge(t, view, now)}</span>
      <span>{clinicName(view, i18n.language)}</span>
      <Typography.Text strong>{itemName(view, i18n.language)}</Typography.Text>
      {view.requestedPriority && (
        <PriorityTag
          // A machine flag raises a routine order to urgent, as the worklist sorts it.
          priority={
            view.flags?.length && view.requestedPriority === 'routine'
              ? 'urgent'
              : view.requestedPriority
          }
          orderedPriority={
            view.flags?.length && view.requestedPriority === 'routine' ? 'routine' : undefined
          }
          flags={view.flags}
        />
      )}
      <StatusTag centre={centre} status={view.status} />
      {left !== undefined && (
        <Tooltip title={t('worklist.dueAt', { time: formatDateTime(due, i18n.language) })}>
          <span className={left < 0 ? 'reading-overdue' : left <= 10 ? 'reading-soon' : undefined}>
            {formatTimeLeft(tc, left)}
          </span>
        </Tooltip>
      )}
      {view.turnaround?.reportedAt && (
        <span className="reading-muted">
          {t('banner.reportedIn', { minutes: view.turnaround.minutes ?? 0 })}
          {view.turnaround.met === false ? ` · ${t('banner.late')}` : ''}
        </span>
      )}
      {view.clinical && (
        <Tooltip title={view.clinical}>
          <span className="reading-muted" style={{ maxWidth: 360 }}>
            {t('banner.clinical')}: {view.clinical.split('\n')[0]}
          </span>
        </Tooltip>
      )}
      <span style={{ flex: 1 }} />
      {extra}
    </div>
  );
}
