import { type EcgStatement } from '@hub/contracts';

/**
 * The ECG centre's catalogue of standard statements (心电图诊断术语), from which a cardiologist
 * builds the conclusion, in the order a report lists them: rhythm, conduction, axis, chamber
 * enlargement, ST-T, infarction, other. Statements marked `critical` are critical findings
 * (危急值) by themselves, after the critical ECG criteria in DOMAIN.md: choosing one flags the
 * report critical unless the cardiologist words the finding themselves.
 *
 * Codes are the hub's own (`urn:hub:ecg-statement`), stable once used: reports keep them.
 */
export const ECG_STATEMENT_SYSTEM = 'urn:hub:ecg-statement';

export const ecgStatements: readonly EcgStatement[] = [
  { code: 'SR', group: 'rhythm', zh: '窦性心律', en: 'Sinus rhythm' },
  { code: 'STACH', group: 'rhythm', zh: '窦性心动过速', en: 'Sinus tachycardia' },
  { code: 'SBRAD', group: 'rhythm', zh: '窦性心动过缓', en: 'Sinus bradycardia' },
  { code: 'SARRH', group: 'rhythm', zh: '窦性心律不齐', en: 'Sinus arrhythmia' },
  {
    code: 'SARREST',
    group: 'rhythm',
    zh: '窦性停搏',
    en: 'Sinus arrest',
  },
  { code: 'AFIB', group: 'rhythm', zh: '心房颤动', en: 'Atrial fibrillation' },
  { code: 'AFLT', group: 'rhythm', zh: '心房扑动', en: 'Atrial flutter' },
  { code: 'PAC', group: 'rhythm', zh: '房性早搏', en: 'Premature atrial contractions' },
  { code: 'PVC', group: 'rhythm', zh: '室性早搏', en: 'Premature ventricular contractions' },
  { code: 'SVT', group: 'rhythm', zh: '室上性心动过速', en: 'Supraventricular tachycardia' },
  {
    code: 'VT',
    group: 'rhythm',
    zh: '室性心动过速',
    en: 'Ventricular tachycardia',
    critical: true,
  },
  {
    code: 'TDP',
    group: 'rhythm',
    zh: '尖端扭转型室性心动过速',
    en: 'Torsades de pointes',
    critical: true,
  },
  {
    code: 'VF',
    group: 'rhythm',
    zh: '心室颤动/心室扑动',
    en: 'Ventricular fibrillation/flutter',
    critical: true,
  },
  { code: 'ASYS', group: 'rhythm', zh: '心脏停搏', en: 'Asystole', critical: true },
  { code: 'PACED', group: 'rhythm', zh: '起搏心律', en: 'Paced rhythm' },
  { code: 'AVB1', group: 'conduction', zh: 'I度房室传导阻滞', en: 'First-degree AV block' },
  {
    code: 'AVB2I',
    group: 'conduction',
    zh: 'II度I型房室传导阻滞',
    en: 'Second-degree AV block, Mobitz I',
  },
  {
    code: 'AVB2II',
    group: 'conduction',
    zh: 'II度II型房室传导阻滞',
    en: 'Second-degree AV block, Mobitz II',
  },
  {
    code: 'AVB3',
    group: 'conduction',
    zh: 'III度房室传导阻滞',
    en: 'Third-degree (complete) AV block',
    critical: true,
  },
  {
    code: 'RBBB',
    group: 'conduction',
    zh: '完全性右束支传导阻滞',
    en: 'Complete right bundle branch block',
  },
  {
    code: 'LBBB',
    group: 'conduction',
    zh: '完全性左束支传导阻滞',
    en: 'Complete left bundle branch block',
  },
  { code: 'LAFB', group: 'conduction', zh: '左前分支阻滞', en: 'Left anterior fascicular block' },
  { code: 'WPW', group: 'conduction', zh: '心室预激', en: 'Ventricular pre-excitation (WPW)' },
  { code: 'LAD', group: 'axis', zh: '电轴左偏', en: 'Left axis deviation' },
  { code: 'RAD', group: 'axis', zh: '电轴右偏', en: 'Right axis deviation' },
  { code: 'LVH', group: 'chamber', zh: '左心室肥厚', en: 'Left ventricular hypertrophy' },
  { code: 'RVH', group: 'chamber', zh: '右心室肥厚', en: 'Right ventricular hypertrophy' },
  { code: 'LAE', group: 'chamber', zh: '左心房异常', en: 'Left atrial abnormality' },
  { code: 'STE', group: 'st-t', zh: 'ST段抬高', en: 'ST elevation' },
  { code: 'STD', group: 'st-t', zh: 'ST段压低', en: 'ST depression' },
  { code: 'TWA', group: 'st-t', zh: 'T波异常', en: 'T-wave abnormality' },
  { code: 'LQT', group: 'st-t', zh: 'QT间期延长', en: 'Prolonged QT interval' },
  {
    code: 'STEMI',
    group: 'infarction',
    zh: '急性ST段抬高型心肌梗死',
    en: 'Acute ST-elevation myocardial infarction',
    critical: true,
  },
  { code: 'OLDMI', group: 'infarction', zh: '陈旧性心肌梗死', en: 'Old myocardial infarction' },
  { code: 'LOWV', group: 'other', zh: '低电压', en: 'Low voltage' },
  { code: 'NORMAL', group: 'other', zh: '正常心电图', en: 'Normal ECG' },
  { code: 'BORDER', group: 'other', zh: '大致正常心电图', en: 'Borderline ECG' },
  { code: 'ABNORMAL', group: 'other', zh: '异常心电图', en: 'Abnormal ECG' },
];

const byCode = new Map(ecgStatements.map((statement) => [statement.code, statement]));

/** The statement with this code, if the catalogue has it. */
export function ecgStatement(code: string): EcgStatement | undefined {
  return byCode.get(code);
}

/** One statement as the report prints it: Chinese, then English. */
export function statementLine(statement: EcgStatement): string {
  return `${statement.zh} ${statement.en}`;
}
