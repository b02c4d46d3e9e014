import { ReloadOutlined } from '@ant-design/icons';
import {
  Alert,
  Button,
  Card,
  Select,
  Space,
  Switch,
  Table,
  type TableColumnsType,
  Tooltip,
  Typography,
} from 'antd';
import { type HTMLAttributes, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { useAuth } from '../../auth';
import { formatDateTime, formatMinutes, formatTimeLeft } from '../format';
import { type WorklistFilters, useReadingCommands, useWorklist } from './reading-api';
import {
  PatientName,
  PriorityTag,
  StatusTag,
  clinicName,
  itemName,
  readerName,
  sexAge,
  useNow,
} from './reading-format';
import { type Centre, READING_STATUSES, type ReadingStatus, type WorklistEntry } from './types';
import './reading.css';

/** Statuses in which the turnaround clock runs (the report is still owed). */
const OWED: ReadingStatus[] = ['unread', 'claimed', 'draft', 'awaiting-cosign', 'amending'];

function minutesLeft(entry: WorklistEntry, now: number): number | undefined {
  if (!entry.dueAt || !OWED.includes(entry.status)) return undefined;
  return Math.round((Date.parse(entry.dueAt) - now) / 60_000);
}

/**
 * A reading centre's worklist (工作列表): what waits to be read, most pressing first (machine
 * flags and stat orders on top, then the least time left), with the patient (identity number
 * masked), clinic, item, waiting time and time left to the turnaround target, overdue rows in red;
 * filters by status, clinic and modality; claim, release and open; refreshed every 15 seconds.
 */
export function ReadingWorklist({ centre, modalities }: { centre: Centre; modalities?: string[] }) {
  const { t, i18n } = useTranslation(['reading', centre, 'common']);
  // The time words are common to every screen.
  const { t: tc } = useTranslation('common');
  const { me } = useAuth();
  const navigate = useNavigate();
  const now = useNow(15_000);
  const [filters, setFilters] = useState<WorklistFilters>({});
  const [live, setLive] = useState(true);
  const worklist = useWorklist(centre, filters, live);
  const [clinics, setClinics] = useState<Record<string, { name: string; nameEn: string }>>({});
  const entries = useMemo(() => worklist.data ?? [], [worklist.data]);

  // Clinic filter choices: every clinic seen on this worklist since the page opened.
  const unseen = entries.flatMap((e) => (e.clinic && !clinics[e.clinic.code] ? [e.clinic] : []));
  if (unseen.length)
    setClinics((current) => {
      const next = { ...current };
      for (const clinic of unseen) next[clinic.code] = clinic;
      return next;
    });

  const overdue = entries.filter((e) => (minutesLeft(e, now) ?? 0) < 0).length;
  const open = (entry: WorklistEntry) => void navigate(`/${centre}/${entry.orderId}`);

  const columns: TableColumnsType<WorklistEntry> = [
    {
      title: t('worklist.priority'),
      key: 'priority',
      width: 110,
      render: (_, e) => (
        <PriorityTag priority={e.priority} flags={e.flags} orderedPriority={e.orderedPriority} />
      ),
    },
    {
      title: t('worklist.patient'),
      key: 'patient',
      render: (_, e) => (
        <div>
          <PatientName context={e} strong stacked />
          <div className="reading-muted">{sexAge(t, e, now)}</div>
        </div>
      ),
    },
    {
      title: t('worklist.clinic'),
      key: 'clinic',
      width: 180,
      render: (_, e) => clinicName(e, i18n.language, e.requesterOrg),
    },
    {
      title: t('worklist.item'),
      key: 'item',
      render: (_, e) => (
        <div>
          <div>{itemName(e, i18n.language, e.code)}</div>
          <div className="reading-muted">
            {[e.accessionNumber, e.modalities.join('/'), e.specimenLabel]
              .filter(Boolean)
              .join(' · ')}
          </div>
        </div>
      ),
    },
    {
      title: t('worklist.waiting'),
      key: 'waiting',
      width: 130,
      render: (_, e) =>
        e.imagesAt && OWED.includes(e.status) ? (
          <Tooltip title={formatDateTime(e.imagesAt, i18n.language)}>
            {formatMinutes(tc, (now - Date.parse(e.imagesAt)) / 60_000)}
          </Tooltip>
        ) : e.imagesAt ? (
          <span className="reading-muted">—</span>
        ) : (
          <span className="reading-muted">{t([`${centre}:status.awaiting-images`])}</span>
        ),
    },
    {
      title: t('worklist.timeLeft'),
      key: 'timeLeft',
      width: 150,
      render: (_, e) => {
        const left = minutesLeft(e, now);
        if (left === undefined) return <span className="reading-muted">—</span>;
        return (
          <Tooltip title={t('worklist.dueAt', { time: formatDateTime(e.dueAt, i18n.language) })}>
            <span
              className={left < 0 ? 'reading-overdue' : left <= 10 ? 'reading-soon' : undefined}
              data-testid="time-left"
            >
              {formatTimeLeft(tc, left)}
            </span>
          </Tooltip>
        );
      },
    },
    {
      title: t('worklist.status'),
      key: 'status',
      width: 150,
      render: (_, e) => (
        <div>
          <StatusTag centre={centre} status={e.status} />
          {e.claimedBy && (
            <div className="reading-muted">
              {e.claimedBy === me?.subject
                ? t('worklist.claimedByMe')
                : t('worklist.claimedBy', {
                    name: readerName({ [e.claimedBy]: e.claimedByName ?? '' }, e.claimedBy),
                  })}
            </div>
          )}
        </div>
      ),
    },
    {
      title: t('common:actions'),
      key: 'actions',
      width: 170,
      render: (_, e) => <RowActions centre={centre} entry={e} onOpen={() => open(e)} />,
    },
  ];

  return (
    <Card
      className="reading-worklist"
      size="small"
      title={
        <Space>
          <span>{t(`${centre}:worklist.title`)}</span>
          <Typography.Text type="secondary" style={{ fontWeight: 400 }}>
            {t('worklist.count', { count: entries.length })}
          </Typography.Text>
          {overdue > 0 && (
            <Typography.Text type="danger" data-testid="overdue-count">
              {t('worklist.overdueCount', { count: overdue })}
            </Typography.Text>
          )}
        </Space>
      }
      extra={
        <Space size="small" wrap>
          <Select<ReadingStatus | 'open'>
            data-testid="filter-status"
            style={{ width: 150 }}
            value={filters.status ?? 'open'}
            onChange={(status) =>
              setFilters((f) => ({ ...f, status: status === 'open' ? undefined : status }))
            }
            options={[
              { value: 'open', label: t('worklist.allOpen') },
              ...READING_STATUSES.map((status) => ({
                value: status,
                label: t([`${centre}:status.${status}`, `status.${status}`]),
              })),
            ]}
          />
          <Select<string>
            data-testid="filter-clinic"
            style={{ width: 200 }}
            allowClear
            placeholder={t('worklist.allClinics')}
            value={filters.clinic}
            onChange={(clinic) => setFilters((f) => ({ ...f, clinic }))}
            options={Object.entries(clinics).map(([code, names]) => ({
              value: code,
              label: i18n.language === 'en' ? names.nameEn : names.name,
            }))}
          />
          {modalities && (
            <Select<string>
              data-testid="filter-modality"
              style={{ width: 130 }}
              allowClear
              placeholder={t('worklist.allModalities')}
              value={filters.modality}
              onChange={(modality) => setFilters((f) => ({ ...f, modality }))}
              options={modalities.map((m) => ({ value: m, label: m }))}
            />
          )}
          <Tooltip title={t('worklist.autoRefreshHint')}>
            <Space size={4}>
              <Switch size="small" checked={live} onChange={setLive} data-testid="auto-refresh" />
              <span className="reading-muted">{t('worklist.autoRefresh')}</span>
            </Space>
          </Tooltip>
          <Button
            icon={<ReloadOutlined spin={worklist.isFetching} />}
            onClick={() => void worklist.refetch()}
            data-testid="worklist-refresh"
          >
            {t('common:refresh')}
          </Button>
        </Space>
      }
      styles={{ body: { padding: 0 } }}
    >
      {worklist.error && (
        <Alert type="error" showIcon title={worklist.error.message} style={{ margin: 8 }} />
      )}
      <Table<WorklistEntry>
        rowKey="orderId"
        size="small"
        columns={columns}
        dataSource={entries}
        loading={worklist.isLoading}
        pagination={{ pageSize: 50, hideOnSinglePage: true, size: 'small' }}
        locale={{ emptyText: t(`${centre}:worklist.empty`) }}
        onRow={(e) =>
          ({
            'data-testid': `worklist-row-${e.orderId}`,
            onDoubleClick: () => open(e),
          }) as HTMLAttributes<HTMLElement>
        }
        rowClassName={(e) =>
          [
            (minutesLeft(e, now) ?? 0) < 0 ? 'reading-row-overdue' : '',
            e.flags?.length ? 'reading-row-flagged' : '',
          ].join(' ')
        }
      />
      <div className="reading-muted" style={{ padding: '4px 12px' }}>
        {worklist.dataUpdatedAt
          ? t('worklist.updatedAt', {
              time: new Date(worklist.dataUpdatedAt).toLocaleTimeString(
                i18n.language === 'en' ? 'en-GB' : 'zh-CN',
              ),
            })
          : ''}
      </div>
    </Card>
  );
}

/** Read (claim and open), open, or release one row. */
function RowActions({
  centre,
  entry,
  onOpen,
}: {
  centre: Centre;
  entry: WorklistEntry;
  onOpen: () => void;
}) {
  const { t } = useTranslation('reading');
  const { me } = useAuth();
  const { run, pending } = useReadingCommands(centre, entry.orderId);
  const mine = entry.claimedBy === me?.subject;
  const claimable =
    !entry.claimedBy && ['unread', 'draft', 'amending', 'preliminary'].includes(entry.status);
  return (
    <Space size={4}>
      {claimable ? (
        <Button
          type="primary"
          size="small"
          loading={pending}
          data-testid="worklist-read"
          onClick={() => void run('claim').then(onOpen, () => undefined)}
        >
          {t([`${centre}:worklist.read`, 'worklist.read'])}
        </Button>
      ) : (
        <Button
          size="small"
          type={mine ? 'primary' : 'default'}
          data-testid="worklist-open"
          onClick={onOpen}
        >
          {mine ? t('worklist.continue') : t('worklist.open')}
        </Button>
      )}
      {mine && (
        <Button
          size="small"
          loading={pending}
          data-testid="worklist-release"
          onClick={() => void run('release').catch(() => undefined)}
        >
          {t('worklist.release')}
        </Button>
      )}
      {claimable && (
        <Button
          size="small"
          type="text"
          data-testid="worklist-claim"
          onClick={() => void run('claim').catch(() => undefined)}
        >
          {t('worklist.claim')}
        </Button>
      )}
    </Space>
  );
}
