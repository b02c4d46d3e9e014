import {
  type Localized,
  type PhraseGroup,
  type ReportTemplate,
} from '../../components/reading/types';

/**
 * The ECG centre's report templates (statement sets from the centre's catalogue, with words
 * after them), phrases for the free text, and the critical findings a cardiologist flags
 * (心电危急值, after the Zhejiang trial standard). Data, in Chinese with English.
 */
export type EcgField = 'text';

export const ecgTemplates: ReportTemplate<EcgField>[] = [
  {
    id: 'normal',
    name: { zh: '正常心电图', en: 'Normal ECG' },
    coded: { statements: ['SR', 'NORMAL'] },
    fields: {},
  },
  {
    id: 'borderline',
    name: { zh: '窦性心律，大致正常心电图', en: 'Sinus rhythm, borderline ECG' },
    coded: { statements: ['SR', 'BORDER'] },
    fields: {},
  },
  {
    id: 'sinus-tachycardia',
    name: { zh: '窦性心动过速', en: 'Sinus tachycardia' },
    coded: { statements: ['STACH'] },
    fields: { text: { zh: '请结合临床。', en: 'Correlate clinically.' } },
  },
  {
    id: 'sinus-bradycardia',
    name: { zh: '窦性心动过缓', en: 'Sinus bradycardia' },
    coded: { statements: ['SBRAD'] },
    fields: {},
  },
  {
    id: 'af',
    name: { zh: '心房颤动', en: 'Atrial fibrillation' },
    coded: { statements: ['AFIB', 'ABNORMAL'] },
    fields: { text: { zh: '心室率不齐。', en: 'Irregular ventricular rate.' } },
  },
  {
    id: 'pvc',
    name: { zh: '窦性心律，室性早搏', en: 'Sinus rhythm with PVCs' },
    coded: { statements: ['SR', 'PVC', 'ABNORMAL'] },
    fields: {},
  },
  {
    id: 'stemi',
    name: { zh: '急性ST段抬高型心肌梗死', en: 'Acute ST-elevation MI' },
    coded: { statements: ['SR', 'STEMI', 'ABNORMAL'] },
    fields: {
      text: {
        zh: '建议立即行心肌损伤标志物检查并启动胸痛中心流程。',
        en: 'Cardiac markers and the chest-pain pathway are advised at once.',
      },
    },
  },
  {
    id: 'lvh',
    name: { zh: '左心室肥厚伴ST-T改变', en: 'LVH with ST-T changes' },
    coded: { statements: ['SR', 'LVH', 'TWA', 'ABNORMAL'] },
    fields: {},
  },
];

export const ecgPhrases: PhraseGroup[] = [
  {
    id: 'compare',
    name: { zh: '对比与建议', en: 'Comparison and advice' },
    phrases: [
      { zh: '与前次心电图比较无明显变化。', en: 'No significant change since the previous ECG.' },
      { zh: '与前次心电图比较ST-T有动态变化。', en: 'Dynamic ST-T change since the previous ECG.' },
      { zh: '建议复查心电图。', en: 'A repeat ECG is advised.' },
      { zh: '建议行动态心电图检查。', en: 'Holter monitoring is advised.' },
      { zh: '请结合临床。', en: 'Correlate clinically.' },
    ],
  },
  {
    id: 'quality',
    name: { zh: '图形质量', en: 'Recording quality' },
    phrases: [
      { zh: '基线漂移，部分导联干扰。', en: 'Baseline wander; interference in some leads.' },
      {
        zh: '肢体导联电极可能反接，建议复查。',
        en: 'Limb leads possibly reversed: repeat advised.',
      },
    ],
  },
];

/** Critical ECG findings (Zhejiang trial standard; a consortium keeps its own list). */
export const ecgCriticalFindings: Localized[] = [
  { zh: '心室颤动/心室扑动', en: 'Ventricular fibrillation / flutter' },
  {
    zh: '室性心动过速（≥150 次/分，持续 ≥30 秒）',
    en: 'Ventricular tachycardia ≥150/min for ≥30 s',
  },
  { zh: '尖端扭转型室速', en: 'Torsades de pointes' },
  { zh: '新发三度房室传导阻滞', en: 'New third-degree AV block' },
  { zh: '长 RR 间期 ≥3.0 秒', en: 'Pause / RR ≥ 3.0 s' },
  { zh: '平均心室率 <35 次/分', en: 'Mean ventricular rate < 35/min' },
  { zh: '急性心肌梗死图形', en: 'New acute myocardial infarction pattern' },
  { zh: '室上性心动过速 ≥230 次/分', en: 'SVT ≥ 230/min' },
  { zh: '房颤/房扑伴平均心室率 ≥180 次/分', en: 'AF/AFL with mean rate ≥ 180/min' },
  { zh: '预激综合征伴房颤，最短 RR <250 ms', en: 'Pre-excited AF with shortest RR < 250 ms' },
  { zh: 'QT 间期延长伴 R-on-T', en: 'Long QT with R-on-T' },
];
