import { Tag, Tooltip } from 'antd';
import { type TFunction } from 'i18next';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Me } from '../../auth';
import { maskResidentId } from '../format';
import { type Centre, type ReadingContext, type ReadingStatus, type ReadingView } from './types';

/** Now, ticking every `intervalMs`, so waiting times and time left move on screen. */
export function useNow(intervalMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/** Whole years from a FHIR birth date to now. */
export function ageOf(birthDate: string | undefined, now: number): number | undefined {
  if (!birthDate || !/^\d{4}/.test(birthDate)) return undefined;
  const born = new Date(`${birthDate.length === 4 ? `${birthDate}-07-01` : birthDate}T00:00:00`);
  const today = new Date(now);
  let years = today.getFullYear() - born.getFullYear();
  if (
    today.getMonth() < born.getMonth() ||
    (today.getMonth() === born.getMonth() && today.getDate() < born.getDate())
  )
    years -= 1;
  return years >= 0 ? years : undefined;
}

/** "女 · 63 岁" / "F · 63 y". */
export function sexAge(t: TFunction, context: ReadingContext, now: number): string {
  const patient = context.patient;
  if (!patient) return '';
  const age = ageOf(patient.birthDate, now);
  return [
    patient.gender ? t(`reading:gender.${patient.gender}`, { defaultValue: patient.gender }) : '',
    age === undefined ? '' : t('reading:age', { count: age }),
  ]
    .filter(Boolean)
    .join(' · ');
}

export function clinicName(context: ReadingContext, language: string, fallback = ''): string {
  if (!context.clinic) return fallback;
  return language === 'en' ? context.clinic.nameEn : context.clinic.name;
}

export function itemName(context: ReadingContext, language: string, fallback = ''): string {
  if (!context.item) return fallback;
  return language === 'en' ? context.item.display : context.item.displayZh || context.item.display;
}

/** The patient's name and masked 居民身份证号, as every reading screen shows them. */
export function PatientName({
  context,
  strong,
  stacked,
}: {
  context: ReadingContext;
  strong?: boolean;
  /** The identity number on a line of its own (a table cell), else after the name. */
  stacked?: boolean;
}) {
  const { t } = useTranslation('reading');
  const patient = context.patient;
  return (
    <span>
      <span style={strong ? { fontWeight: 600 } : undefined}>
        {patient?.name ?? t('patient.unknown')}
      </span>
      {patient?.residentId && (
        <span
          className="reading-mono"
          style={stacked ? { display: 'block' } : { marginLeft: 8 }}
          data-testid="patient-id"
        >
          {maskResidentId(patient.residentId)}
        </span>
      )}
    </span>
  );
}

/** Machine-flagged first, then stat, asap, urgent, routine. */
export function PriorityTag({
  priority,
  flags,
  orderedPriority,
}: {
  priority: string;
  flags?: string[];
  orderedPriority?: string;
}) {
  const { t } = useTranslation('reading');
  const colour =
    priority === 'stat'
      ? 'red'
      : priority === 'asap'
        ? 'volcano'
        : priority === 'urgent'
          ? 'orange'
          : undefined;
  return (
    <span style={{ display: 'inline-flex', flexWrap: 'wrap', gap: 4 }}>
      {flags?.length ? (
        <Tooltip title={flags.join('\n')}>
          <Tag color="red" data-testid="machine-flag" style={{ marginInlineEnd: 0 }}>
            {t('priority.flagged')}
          </Tag>
        </Tooltip>
      ) : null}
      <Tooltip
        title={
          orderedPriority
            ? t('priority.raised', { ordered: t(`priority.${orderedPriority}`) })
            : undefined
        }
      >
        <Tag color={colour} style={{ marginInlineEnd: 0 }}>
          {t(`priority.${priority}`, { defaultValue: priority })}
        </Tag>
      </Tooltip>
    </span>
  );
}

const STATUS_COLOURS: Record<ReadingStatus, string | undefined> = {
  'awaiting-images': undefined,
  unread: 'blue',
  claimed: 'cyan',
  draft: 'geekblue',
  'awaiting-cosign': 'purple',
  final: 'green',
  amending: 'gold',
  preliminary: 'lime',
};

/** A reading status in the centre's words (what "awaiting material" means differs by centre). */
export function StatusTag({ centre, status }: { centre: Centre; status: ReadingStatus }) {
  const { t } = useTranslation('reading');
  return (
    <Tag color={STATUS_COLOURS[status]} data-testid="reading-status" style={{ marginInlineEnd: 0 }}>
      {t([`${centre}:status.${status}`, `reading:status.${status}`])}
    </Tag>
  );
}

/** A reader's display name (without the role in brackets the demo names carry). */
export function readerName(readers: Record<string, string> | undefined, username?: string) {
  if (!username) return '';
  return readers?.[username]?.replace(/\s*\(.*\)\s*$/, '') || username;
}

/** What the signed-in reader may do with a reading now. */
export function readingPermissions(view: ReadingView, me: Me | undefined, now: number) {
  const claimLive = Boolean(
    view.claimedBy && view.claimExpiresAt && Date.parse(view.claimExpiresAt) > now,
  );
  const mine = claimLive && view.claimedBy === me?.subject;
  const writable = ['unread', 'claimed', 'draft', 'amending', 'preliminary'].includes(view.status);
  const licensed = Boolean(me?.licensed);
  return {
    mine,
    claimedByOther: claimLive && !mine,
    canClaim: writable && !claimLive,
    canRelease: mine,
    editable: mine && writable,
    canSign: mine && view.status === 'draft',
    canCosign:
      view.status === 'awaiting-cosign' &&
      licensed &&
      me?.subject !== view.author &&
      me?.subject !== view.signedBy,
    canAmend: view.status === 'final' && licensed && !claimLive,
    licensed,
  };
}
export type ReadingPermissions = ReturnType<typeof readingPermissions>;
