import {
  type Localized,
  type PhraseGroup,
  type ReportTemplate,
} from '../../components/reading/types';

/**
 * The imaging centre's report templates (报告模板), phrase library (常用语) and the critical
 * findings a radiologist flags (影像危急值). Data, in Chinese with English: a consortium edits
 * this file to its own practice. Templates name the catalogue items (or modalities) they suit.
 */
export type ImagingField = 'findings' | 'impression';

export const imagingTemplates: ReportTemplate<ImagingField>[] = [
  {
    id: 'ct-head-normal',
    name: { zh: '头颅CT平扫 — 未见异常', en: 'CT head — normal' },
    items: ['IMG-CT-HEAD'],
    fields: {
      findings: {
        zh: '颅骨骨质完整，未见骨折征象。脑实质密度均匀，灰白质分界清楚，未见异常密度影。脑室系统大小、形态正常，脑沟、脑裂、脑池未见增宽，中线结构居中。',
        en: 'The skull is intact without fracture. The brain parenchyma is of uniform density with a clear grey-white matter boundary and no abnormal density. The ventricles are normal in size and shape; the sulci, fissures and cisterns are not widened; the midline is central.',
      },
      impression: {
        zh: '颅脑CT平扫未见明显异常。',
        en: 'No abnormality on non-contrast CT of the head.',
      },
    },
  },
  {
    id: 'ct-head-sdh',
    name: { zh: '头颅CT平扫 — 急性硬膜下血肿', en: 'CT head — acute subdural haematoma' },
    items: ['IMG-CT-HEAD'],
    fields: {
      findings: {
        zh: '左侧额颞部颅板下见新月形高密度影，最厚处约  mm，邻近脑组织受压，左侧脑室受压变窄，中线结构向右移位约  mm。颅骨骨质未见明确骨折。',
        en: 'A crescentic hyperdense collection under the left frontotemporal vault, up to  mm thick, compresses the adjacent brain and the left lateral ventricle; the midline is shifted to the right by  mm. No skull fracture is seen.',
      },
      impression: {
        zh: '左侧额颞部急性硬膜下血肿伴中线移位，请临床紧急处理。',
        en: 'Acute left frontotemporal subdural haematoma with midline shift: urgent clinical management.',
      },
    },
  },
  {
    id: 'ct-chest-normal',
    name: { zh: '胸部CT平扫 — 未见异常', en: 'CT chest — normal' },
    items: ['IMG-CT-CHEST'],
    fields: {
      findings: {
        zh: '胸廓对称，气管居中。双肺纹理清晰，肺野内未见异常密度影。双肺门不大，纵隔内未见肿大淋巴结。心影大小正常。双侧胸膜未见增厚，胸腔未见积液。',
        en: 'The thorax is symmetrical and the trachea central. The lung markings are clear without abnormal density. The hila are not enlarged and there are no enlarged mediastinal nodes. The heart is normal in size. No pleural thickening or effusion.',
      },
      impression: {
        zh: '胸部CT平扫未见明显异常。',
        en: 'No abnormality on non-contrast CT of the chest.',
      },
    },
  },
  {
    id: 'ct-chest-pneumonia',
    name: { zh: '胸部CT平扫 — 肺炎', en: 'CT chest — pneumonia' },
    items: ['IMG-CT-CHEST'],
    fields: {
      findings: {
        zh: '右肺下叶见斑片状磨玻璃及实变影，边界模糊，其内可见支气管充气征。余肺野未见异常密度影。纵隔内未见肿大淋巴结。双侧胸腔未见积液。',
        en: 'Patchy ground-glass opacity and consolidation with ill-defined margins and air bronchograms in the right lower lobe. The remaining lung is clear. No enlarged mediastinal nodes. No pleural effusion.',
      },
      impression: {
        zh: '右肺下叶炎症，建议抗炎治疗后复查。',
        en: 'Right lower lobe pneumonia; follow-up after treatment is advised.',
      },
    },
  },
  {
    id: 'ct-chest-nodule',
    name: { zh: '胸部CT平扫 — 肺结节', en: 'CT chest — pulmonary nodule' },
    items: ['IMG-CT-CHEST'],
    fields: {
      findings: {
        zh: '右肺上叶见一实性结节，大小约  mm ×  mm，边缘光整，未见分叶及毛刺。余肺野未见异常密度影。纵隔内未见肿大淋巴结。',
        en: 'A solid nodule of about  mm ×  mm with smooth margins, without lobulation or spiculation, in the right upper lobe. The remaining lung is clear. No enlarged mediastinal nodes.',
      },
      impression: {
        zh: '右肺上叶实性小结节，建议定期复查胸部CT。',
        en: 'Small solid nodule in the right upper lobe; follow-up chest CT is advised.',
      },
    },
  },
  {
    id: 'dr-chest-normal',
    name: { zh: '胸部正位DR — 未见异常', en: 'Chest X-ray — normal' },
    items: ['IMG-DR-CHEST', 'DX', 'CR'],
    fields: {
      findings: {
        zh: '胸廓对称，气管居中。双肺纹理清晰，未见实变影。双肺门影不大。心影大小、形态正常。双侧膈面光整，肋膈角锐利。',
        en: 'The thorax is symmetrical and the trachea central. The lung markings are clear without consolidation. The hila are not enlarged. The heart is normal in size and shape. The diaphragm is smooth and the costophrenic angles are sharp.',
      },
      impression: { zh: '心肺膈未见明显异常。', en: 'Normal heart, lungs and diaphragm.' },
    },
  },
  {
    id: 'dr-chest-pneumonia',
    name: { zh: '胸部正位DR — 肺炎', en: 'Chest X-ray — pneumonia' },
    items: ['IMG-DR-CHEST', 'DX', 'CR'],
    fields: {
      findings: {
        zh: '右下肺野见斑片状模糊影，边界不清。余肺野清晰。心影大小、形态正常。双侧肋膈角锐利。',
        en: 'Patchy ill-defined opacity in the right lower zone. The remaining lung is clear. The heart is normal in size and shape. The costophrenic angles are sharp.',
      },
      impression: {
        zh: '右下肺炎症，请结合临床。',
        en: 'Right lower zone pneumonia; correlate clinically.',
      },
    },
  },
  {
    id: 'us-abdomen-normal',
    name: { zh: '腹部彩超 — 未见异常', en: 'Abdominal ultrasound — normal' },
    items: ['IMG-US-ABD', 'US'],
    fields: {
      findings: {
        zh: '肝脏形态、大小正常，包膜光整，实质回声均匀。胆囊大小正常，壁光滑，腔内未见异常回声。胰腺、脾脏形态大小正常，回声均匀。双肾大小正常，集合系统未见分离。',
        en: 'The liver is normal in shape and size with a smooth capsule and homogeneous echotexture. The gallbladder is normal with a smooth wall and no intraluminal echo. The pancreas and spleen are normal. Both kidneys are normal in size without collecting-system dilatation.',
      },
      impression: {
        zh: '肝、胆、胰、脾、双肾未见明显异常。',
        en: 'Normal liver, gallbladder, pancreas, spleen and kidneys.',
      },
    },
  },
];

export const imagingPhrases: PhraseGroup[] = [
  {
    id: 'general',
    name: { zh: '常用所见', en: 'Common findings' },
    phrases: [
      { zh: '未见明显异常。', en: 'No significant abnormality.' },
      { zh: '较前片无明显变化。', en: 'No significant change since the previous study.' },
      { zh: '较前片病灶缩小。', en: 'The lesion is smaller than on the previous study.' },
      { zh: '较前片病灶增大。', en: 'The lesion is larger than on the previous study.' },
      { zh: '图像质量满足诊断要求。', en: 'Image quality is adequate for diagnosis.' },
    ],
  },
  {
    id: 'chest',
    name: { zh: '胸部', en: 'Chest' },
    phrases: [
      { zh: '双肺纹理增多、增粗。', en: 'Increased and thickened lung markings.' },
      { zh: '双侧胸腔少量积液。', en: 'Small bilateral pleural effusions.' },
      { zh: '心影增大。', en: 'Cardiomegaly.' },
      { zh: '主动脉壁钙化。', en: 'Calcification of the aortic wall.' },
      { zh: '纵隔内未见肿大淋巴结。', en: 'No enlarged mediastinal lymph nodes.' },
    ],
  },
  {
    id: 'head',
    name: { zh: '颅脑', en: 'Head' },
    phrases: [
      { zh: '双侧基底节区见斑点状低密度影。', en: 'Punctate hypodensities in both basal ganglia.' },
      { zh: '脑室系统扩大，脑沟增宽。', en: 'Enlarged ventricles and widened sulci.' },
      { zh: '中线结构居中。', en: 'The midline is central.' },
      { zh: '未见颅内出血。', en: 'No intracranial haemorrhage.' },
    ],
  },
  {
    id: 'advice',
    name: { zh: '建议', en: 'Advice' },
    phrases: [
      { zh: '建议结合临床。', en: 'Correlate clinically.' },
      { zh: '建议增强扫描进一步检查。', en: 'Contrast-enhanced imaging is advised.' },
      { zh: '建议3个月后复查。', en: 'Follow-up in 3 months is advised.' },
      { zh: '请与既往影像对比。', en: 'Compare with previous imaging.' },
    ],
  },
];

/** Critical findings a radiologist flags (one hospital's list; a consortium keeps its own). */
export const imagingCriticalFindings: Localized[] = [
  { zh: '急性颅内出血', en: 'Acute intracranial haemorrhage' },
  { zh: '急性硬膜下血肿', en: 'Acute subdural haematoma' },
  { zh: '急性硬膜外血肿', en: 'Acute epidural haematoma' },
  { zh: '脑疝', en: 'Cerebral herniation' },
  { zh: '急性脑积水', en: 'Acute hydrocephalus' },
  { zh: '大面积急性脑梗死', en: 'Large acute cerebral infarct' },
  { zh: '张力性气胸', en: 'Tension pneumothorax' },
  { zh: '主动脉夹层', en: 'Aortic dissection' },
  { zh: '肺动脉栓塞', en: 'Pulmonary embolism' },
  { zh: '消化道穿孔', en: 'Gastrointestinal perforation' },
];
