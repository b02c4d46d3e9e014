import { type PathologyHistologicalType } from '@hub/contracts';

/** Where the histological type codes live in the reports (the hub's own, stable once used). */
export const HISTOLOGICAL_TYPE_SYSTEM = 'urn:hub:pathology-histological-type';

/**
 * The histological types a pathologist picks for the structured part of a report (a short demo
 * list; a consortium maps its own, e.g. to ICD-O-3 morphology). Malignant types need a second
 * pathologist's co-signature (`PATHOLOGY_COSIGN_TYPES`).
 */
export const histologicalTypes: readonly PathologyHistologicalType[] = [
  { code: 'NORMAL', zh: '未见明显病变', en: 'No significant abnormality', malignant: false },
  { code: 'INFLAM', zh: '慢性炎症', en: 'Chronic inflammation', malignant: false },
  { code: 'HYPERPLASIA', zh: '增生', en: 'Hyperplasia', malignant: false },
  { code: 'ADENOMA', zh: '腺瘤', en: 'Adenoma', malignant: false },
  {
    code: 'LGIN',
    zh: '低级别上皮内瘤变',
    en: 'Low-grade intraepithelial neoplasia',
    malignant: false,
  },
  {
    code: 'HGIN',
    zh: '高级别上皮内瘤变',
    en: 'High-grade intraepithelial neoplasia',
    malignant: false,
  },
  { code: 'ADENOCA', zh: '腺癌', en: 'Adenocarcinoma', malignant: true },
  { code: 'SCC', zh: '鳞状细胞癌', en: 'Squamous cell carcinoma', malignant: true },
  { code: 'IDC', zh: '浸润性导管癌', en: 'Invasive ductal carcinoma', malignant: true },
  { code: 'HCC', zh: '肝细胞癌', en: 'Hepatocellular carcinoma', malignant: true },
  { code: 'LYMPHOMA', zh: '淋巴瘤', en: 'Lymphoma', malignant: true },
  { code: 'SARCOMA', zh: '肉瘤', en: 'Sarcoma', malignant: true },
  { code: 'METASTATIC', zh: '转移性癌', en: 'Metastatic carcinoma', malignant: true },
];

const byCode = new Map(histologicalTypes.map((type) => [type.code, type]));

export function histologicalType(code: string): PathologyHistologicalType | undefined {
  return byCode.get(code);
}

/** Stains a slide may have: H&E, the common special stains, and IHC markers as `IHC:<marker>`. */
export const stains = ['HE', 'PAS', 'Masson', 'Reticulin', 'AB-PAS', 'Giemsa', 'IHC:<marker>'];
