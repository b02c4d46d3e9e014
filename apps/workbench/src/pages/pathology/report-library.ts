import {
  type Localized,
  type PhraseGroup,
  type ReportTemplate,
} from '../../components/reading/types';

/**
 * The pathology centre's report templates (descriptions and the structured fields they set),
 * phrases and critical findings. Data, in Chinese with English. Histological type codes are the
 * centre's catalogue (`GET /api/pathology/catalogues`).
 */
export type PathologyField = 'microscopic' | 'diagnosis';

export const pathologyTemplates: ReportTemplate<PathologyField>[] = [
  {
    id: 'normal',
    name: { zh: '未见明显病变', en: 'No significant abnormality' },
    coded: { histologicalType: 'NORMAL' },
    fields: {
      microscopic: {
        zh: '送检组织结构清楚，细胞形态未见明显异常，未见异型增生及肿瘤性病变。',
        en: 'The tissue architecture is preserved and the cells are unremarkable, without dysplasia or neoplasia.',
      },
      diagnosis: { zh: '（送检组织）未见明显病变。', en: '(Specimen) no significant abnormality.' },
    },
  },
  {
    id: 'gastritis',
    name: { zh: '慢性非萎缩性胃炎', en: 'Chronic non-atrophic gastritis' },
    items: ['PATH-HISTO'],
    coded: { histologicalType: 'INFLAM' },
    fields: {
      microscopic: {
        zh: '胃黏膜慢性炎，固有层见较多淋巴细胞、浆细胞浸润，腺体未见萎缩及肠上皮化生，未见异型增生。',
        en: 'Chronically inflamed gastric mucosa with lymphocytes and plasma cells in the lamina propria; no glandular atrophy, intestinal metaplasia or dysplasia.',
      },
      diagnosis: {
        zh: '（胃窦）慢性非萎缩性胃炎。',
        en: '(Gastric antrum) chronic non-atrophic gastritis.',
      },
    },
  },
  {
    id: 'colon-adenoma',
    name: { zh: '结肠管状腺瘤', en: 'Tubular adenoma of the colon' },
    items: ['PATH-HISTO'],
    coded: { histologicalType: 'ADENOMA', margins: '阴性 negative' },
    fields: {
      microscopic: {
        zh: '结肠黏膜腺体增生，呈管状排列，上皮细胞呈低级别异型增生，基底切缘未见病变累及。',
        en: 'Proliferating colonic glands in a tubular pattern with low-grade dysplasia; the basal margin is free.',
      },
      diagnosis: { zh: '（结肠）管状腺瘤，低级别。', en: '(Colon) tubular adenoma, low grade.' },
    },
  },
  {
    id: 'gastric-adenocarcinoma',
    name: { zh: '胃腺癌', en: 'Gastric adenocarcinoma' },
    items: ['PATH-HISTO'],
    coded: { histologicalType: 'ADENOCA', grade: 'G2 中分化 moderately differentiated' },
    fields: {
      microscopic: {
        zh: '胃黏膜内见异型腺体浸润性生长，腺体结构紊乱，细胞核大、深染，核分裂象易见，间质见浸润。',
        en: 'Atypical glands grow infiltratively in the gastric mucosa with disordered architecture, large hyperchromatic nuclei, frequent mitoses and stromal invasion.',
      },
      diagnosis: {
        zh: '（胃窦）腺癌，中分化。',
        en: '(Gastric antrum) adenocarcinoma, moderately differentiated.',
      },
    },
  },
  {
    id: 'breast-idc',
    name: { zh: '乳腺浸润性导管癌', en: 'Invasive ductal carcinoma of the breast' },
    items: ['PATH-HISTO', 'PATH-FROZEN'],
    coded: { histologicalType: 'IDC', grade: 'II 级 grade 2' },
    fields: {
      microscopic: {
        zh: '乳腺组织内见癌细胞呈巢团状、条索状浸润性生长，细胞异型明显，间质纤维组织增生。',
        en: 'Carcinoma cells infiltrate the breast tissue in nests and cords with marked atypia and stromal fibrosis.',
      },
      diagnosis: {
        zh: '（乳腺）浸润性导管癌，II级。',
        en: '(Breast) invasive ductal carcinoma, grade II.',
      },
    },
  },
  {
    id: 'skin-scc',
    name: { zh: '皮肤鳞状细胞癌', en: 'Cutaneous squamous cell carcinoma' },
    items: ['PATH-HISTO'],
    coded: { histologicalType: 'SCC', grade: '高分化 well differentiated' },
    fields: {
      microscopic: {
        zh: '表皮增生，异型鳞状上皮细胞巢向真皮浸润，可见角化珠及细胞间桥。',
        en: 'Nests of atypical squamous cells invade the dermis from a hyperplastic epidermis, with keratin pearls and intercellular bridges.',
      },
      diagnosis: {
        zh: '（皮肤）鳞状细胞癌，高分化。',
        en: '(Skin) squamous cell carcinoma, well differentiated.',
      },
    },
  },
];

export const pathologyPhrases: PhraseGroup[] = [
  {
    id: 'microscopic',
    name: { zh: '镜下常用语', en: 'Microscopic' },
    phrases: [
      { zh: '未见异型增生。', en: 'No dysplasia.' },
      { zh: '未见脉管内癌栓。', en: 'No lymphovascular invasion.' },
      { zh: '未见神经侵犯。', en: 'No perineural invasion.' },
      { zh: '间质见较多炎细胞浸润。', en: 'Marked inflammatory infiltrate in the stroma.' },
      { zh: '可见肠上皮化生。', en: 'Intestinal metaplasia is present.' },
    ],
  },
  {
    id: 'ihc',
    name: { zh: '免疫组化', en: 'Immunohistochemistry' },
    phrases: [
      { zh: '免疫组化：CK(+)，Ki-67（约 %+）。', en: 'IHC: CK (+), Ki-67 (about  %+).' },
      {
        zh: '免疫组化：ER(+)，PR(+)，HER-2(1+)，Ki-67（约 %+）。',
        en: 'IHC: ER (+), PR (+), HER-2 (1+), Ki-67 (about  %+).',
      },
      { zh: 'Hp(-)。', en: 'H. pylori (−).' },
    ],
  },
  {
    id: 'advice',
    name: { zh: '建议', en: 'Advice' },
    phrases: [
      { zh: '建议结合临床及影像学检查。', en: 'Correlate with the clinical and imaging findings.' },
      { zh: '待免疫组化结果进一步明确诊断。', en: 'Final diagnosis pending immunohistochemistry.' },
      { zh: '建议扩大切除。', en: 'Wider excision is advised.' },
    ],
  },
];

export const pathologyGrades: Localized[] = [
  { zh: 'G1 高分化', en: 'G1 well differentiated' },
  { zh: 'G2 中分化', en: 'G2 moderately differentiated' },
  { zh: 'G3 低分化', en: 'G3 poorly differentiated' },
  { zh: '低级别', en: 'Low grade' },
  { zh: '高级别', en: 'High grade' },
];

export const pathologyMargins: Localized[] = [
  { zh: '阴性', en: 'Negative' },
  { zh: '阳性', en: 'Positive' },
  { zh: '距切缘最近  mm', en: 'Closest margin  mm' },
  { zh: '未评估（活检）', en: 'Not assessed (biopsy)' },
];

/** Findings a pathologist calls back at once (one hospital's list). */
export const pathologyCriticalFindings: Localized[] = [
  { zh: '冰冻切片与术前诊断不符', en: 'Frozen section contradicts the preoperative diagnosis' },
  { zh: '意外发现的恶性肿瘤', en: 'Unexpected malignancy' },
  { zh: '移植物排斥反应', en: 'Transplant rejection' },
  { zh: '组织内见真菌/病原体感染', en: 'Fungal or other organisms in tissue' },
  { zh: '标本与申请部位不符', en: 'Specimen does not match the requested site' },
];
