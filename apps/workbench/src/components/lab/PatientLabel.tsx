import { Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { type PatientSummary } from './types';

/** Whole years from a FHIR birth date (YYYY, YYYY-MM or YYYY-MM-DD) to now. */
export function ageInYears(birthDate: string | undefined, now = new Date()): number | undefined {
  if (!birthDate) return undefined;
  const [year, month = 1, day = 1] = birthDate.split('-').map(Number);
  if (!year) return undefined;
  let age = now.getFullYear() - year;
  if (now.getMonth() + 1 < month || (now.getMonth() + 1 === month && now.getDate() < day)) age -= 1;
  return age >= 0 ? age : undefined;
}

/**
 * A patient as staff recognise them: the name, then the masked identity number, sex and age. The
 * gateway masks the number; it is shown as it comes.
 */
export function PatientLabel({
  patient,
  inline = false,
}: {
  patient: PatientSummary | undefined;
  inline?: boolean;
}) {
  const { t } = useTranslation('lab');
  if (!patient) return <Typography.Text type="secondary">—</Typography.Text>;
  const age = ageInYears(patient.birthDate);
  const facts = [
    patient.gender ? t(`verification.sex.${patient.gender}`) : undefined,
    age !== undefined ? t('verification.age', { years: age }) : undefined,
  ].filter(Boolean);
  const id = patient.residentId && (
    <Typography.Text
      type="secondary"
      style={{ fontSize: 12, fontFamily: 'monospace', whiteSpace: 'nowrap' }}
    >
      {patient.residentId}
    </Typography.Text>
  );
  const about = facts.length > 0 && (
    <Typography.Text type="secondary" style={{ fontSize: 12, whiteSpace: 'nowrap' }}>
      {facts.join(' · ')}
    </Typography.Text>
  );
  return inline ? (
    <Space size={8} wrap>
      <Typography.Text strong>{patient.name ?? patient.id}</Typography.Text>
      {id}
      {about}
    </Space>
  ) : (
    <div style={{ lineHeight: 1.35 }}>
      <Typography.Text strong style={{ marginRight: 6 }}>
        {patient.name ?? patient.id}
      </Typography.Text>
      {about}
      <br />
      {id}
    </div>
  );
}
