import { type Centre } from '@hub/contracts';
import { type CatalogueItem } from './catalogue';

/**
 * The demo consortium (演示医共体) seeded by `npm start` and used by the tests. Every number here is
 * a configurable default of the demo, not a rule: a real consortium loads its own organisations,
 * catalogue, prices, turnaround targets and reference ranges.
 */

export type OrganizationKind =
  'consortium' | 'lead-hospital' | 'centre' | 'township' | 'community' | 'village' | 'hub';

export interface DemoOrganization {
  /** Organisation identifier, also its HL7 facility name (MSH-4 / MSH-6). */
  code: string;
  name: string;
  nameEn: string;
  kind: OrganizationKind;
  partOf?: string;
  centre?: Centre;
  /**
   * Who is told of a critical value (危急值): for a member, the duty contact first reached and the
   * backup an unacknowledged alert escalates to; for a centre, the supervisor escalations also
   * reach. Names and numbers of the demo are invented.
   */
  criticalContacts?: { primary: CriticalContact; backup?: CriticalContact };
}

export interface CriticalContact {
  name: string;
  phone: string;
}

export const CONSORTIUM_CODE = 'CONSORTIUM';

export const demoOrganizations: DemoOrganization[] = [
  {
    code: CONSORTIUM_CODE,
    name: '青山县紧密型县域医共体',
    nameEn: 'Qingshan County Medical Consortium',
    kind: 'consortium',
  },
  {
    code: 'LEAD',
    name: '青山县人民医院',
    nameEn: "Qingshan County People's Hospital",
    kind: 'lead-hospital',
    partOf: CONSORTIUM_CODE,
  },
  {
    code: 'LAB',
    name: '医共体医学检验中心',
    nameEn: 'Consortium Laboratory Centre',
    kind: 'centre',
    partOf: 'LEAD',
    centre: 'lab',
    criticalContacts: {
      primary: { name: '检验中心值班主任 Lab duty supervisor', phone: '0571-8800-1001' },
    },
  },
  {
    code: 'IMAGING',
    name: '医共体医学影像中心',
    nameEn: 'Consortium Imaging Centre',
    kind: 'centre',
    partOf: 'LEAD',
    centre: 'imaging',
    criticalContacts: {
      primary: { name: '影像中心值班主任 Imaging duty supervisor', phone: '0571-8800-1002' },
    },
  },
  {
    code: 'ECG',
    name: '医共体心电诊断中心',
    nameEn: 'Consortium ECG Centre',
    kind: 'centre',
    partOf: 'LEAD',
    centre: 'ecg',
    criticalContacts: {
      primary: { name: '心电中心值班主任 ECG duty supervisor', phone: '0571-8800-1003' },
    },
  },
  {
    code: 'PATHOLOGY',
    name: '医共体病理诊断中心',
    nameEn: 'Consortium Pathology Centre',
    kind: 'centre',
    partOf: 'LEAD',
    centre: 'pathology',
    criticalContacts: {
      primary: { name: '病理中心值班主任 Pathology duty supervisor', phone: '0571-8800-1004' },
    },
  },
  {
    code: 'HUB',
    name: '医共体诊断协同平台',
    nameEn: 'Consortium Diagnostic Hub',
    kind: 'hub',
    partOf: CONSORTIUM_CODE,
  },
  {
    code: 'CLINIC-A',
    name: '青山县东岭镇卫生院',
    nameEn: 'Dongling Township Health Centre',
    kind: 'township',
    partOf: CONSORTIUM_CODE,
    criticalContacts: {
      primary: { name: '东岭镇卫生院值班医生 Dongling duty doctor', phone: '0571-8811-0001' },
      backup: { name: '东岭镇卫生院医务科 Dongling medical office', phone: '0571-8811-0002' },
    },
  },
  {
    code: 'CLINIC-B',
    name: '青山县西河镇卫生院',
    nameEn: 'Xihe Township Health Centre',
    kind: 'township',
    partOf: CONSORTIUM_CODE,
    criticalContacts: {
      primary: { name: '西河镇卫生院值班医生 Xihe duty doctor', phone: '0571-8812-0001' },
      backup: { name: '西河镇卫生院医务科 Xihe medical office', phone: '0571-8812-0002' },
    },
  },
  {
    code: 'CLINIC-C',
    name: '青山县南坪镇卫生院',
    nameEn: 'Nanping Township Health Centre',
    kind: 'township',
    partOf: CONSORTIUM_CODE,
    criticalContacts: {
      primary: { name: '南坪镇卫生院值班医生 Nanping duty doctor', phone: '0571-8813-0001' },
      backup: { name: '南坪镇卫生院医务科 Nanping medical office', phone: '0571-8813-0002' },
    },
  },
  {
    code: 'CHC-1',
    name: '青山县城关社区卫生服务中心',
    nameEn: 'Chengguan Community Health Centre',
    kind: 'community',
    partOf: CONSORTIUM_CODE,
    criticalContacts: {
      primary: { name: '城关社区值班医生 Chengguan duty doctor', phone: '0571-8814-0001' },
      backup: { name: '城关社区医务科 Chengguan medical office', phone: '0571-8814-0002' },
    },
  },
  {
    code: 'VC-1',
    name: '东岭镇桃园村卫生室',
    nameEn: 'Taoyuan Village Clinic',
    kind: 'village',
    partOf: CONSORTIUM_CODE,
    criticalContacts: {
      primary: { name: '桃园村乡村医生 Taoyuan village doctor', phone: '0571-8815-0001' },
      backup: { name: '东岭镇卫生院值班医生 Dongling duty doctor', phone: '0571-8811-0001' },
    },
  },
  {
    code: 'VC-2',
    name: '西河镇柳湾村卫生室',
    nameEn: 'Liuwan Village Clinic',
    kind: 'village',
    partOf: CONSORTIUM_CODE,
    criticalContacts: {
      primary: { name: '柳湾村乡村医生 Liuwan village doctor', phone: '0571-8816-0001' },
      backup: { name: '西河镇卫生院值班医生 Xihe duty doctor', phone: '0571-8812-0001' },
    },
  },
];

const LOINC = 'http://loinc.org';
const LOCAL = 'urn:hub:catalogue';

const lab = (
  code: string,
  display: string,
  displayZh: string,
  price: string,
  specimenType: string,
  members?: string[],
): CatalogueItem => ({
  system: LOINC,
  code,
  display,
  displayZh,
  centre: 'lab',
  price,
  turnaroundMinutes: { routine: 240, urgent: 60, stat: 30 },
  members,
  specimenType,
});

export const demoCatalogue: CatalogueItem[] = [
  lab('58410-2', 'CBC panel - Blood by Automated count', '血常规', '20.00', 'whole-blood-edta', [
    '718-7',
    '6690-2',
    '777-3',
  ]),
  lab('2823-3', 'Potassium [Moles/volume] in Serum or Plasma', '血钾', '5.00', 'serum-k'),
  lab('2951-2', 'Sodium [Moles/volume] in Serum or Plasma', '血钠', '5.00', 'serum'),
  lab('2075-0', 'Chloride [Moles/volume] in Serum or Plasma', '血氯', '5.00', 'serum'),
  lab('17861-6', 'Calcium [Mass/volume] in Serum or Plasma', '血钙', '5.00', 'serum'),
  lab('2345-7', 'Glucose [Mass/volume] in Serum or Plasma', '血糖', '6.00', 'plasma-glucose'),
  lab(
    '4548-4',
    'Hemoglobin A1c/Hemoglobin.total in Blood',
    '糖化血红蛋白',
    '60.00',
    'whole-blood-edta',
  ),
  lab('2160-0', 'Creatinine [Mass/volume] in Serum or Plasma', '肌酐', '8.00', 'serum'),
  lab('3094-0', 'Urea nitrogen [Mass/volume] in Serum or Plasma', '尿素氮', '8.00', 'serum'),
  lab(
    '1742-6',
    'Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma',
    '丙氨酸氨基转移酶',
    '6.00',
    'serum',
  ),
  lab(
    '1920-8',
    'Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma',
    '天门冬氨酸氨基转移酶',
    '6.00',
    'serum',
  ),
  lab('2093-3', 'Cholesterol [Mass/volume] in Serum or Plasma', '总胆固醇', '6.00', 'serum'),
  {
    system: LOCAL,
    code: 'IMG-DR-CHEST',
    display: 'DR chest PA',
    displayZh: '胸部正位DR',
    centre: 'imaging',
    price: '70.00',
    turnaroundMinutes: { routine: 60, urgent: 30, stat: 30 },
    modalities: ['DX', 'CR'],
  },
  {
    system: LOCAL,
    code: 'IMG-CT-HEAD',
    display: 'CT head without contrast',
    displayZh: '头颅CT平扫',
    centre: 'imaging',
    price: '180.00',
    turnaroundMinutes: { routine: 240, urgent: 60, stat: 30 },
    modalities: ['CT'],
  },
  {
    system: LOCAL,
    code: 'IMG-CT-CHEST',
    display: 'CT chest without contrast',
    displayZh: '胸部CT平扫',
    centre: 'imaging',
    price: '200.00',
    turnaroundMinutes: { routine: 240, urgent: 60, stat: 60 },
    modalities: ['CT'],
  },
  {
    system: LOCAL,
    code: 'IMG-US-ABD',
    display: 'Ultrasound abdomen',
    displayZh: '腹部彩超',
    centre: 'imaging',
    price: '120.00',
    turnaroundMinutes: { routine: 240, urgent: 60, stat: 30 },
    modalities: ['US'],
  },
  {
    system: LOINC,
    code: '11524-6',
    display: 'EKG study',
    displayZh: '十二导联心电图',
    centre: 'ecg',
    price: '25.00',
    turnaroundMinutes: { routine: 30, urgent: 15, stat: 15 },
  },
  {
    system: LOCAL,
    code: 'PATH-HISTO',
    display: 'Histopathology, routine',
    displayZh: '常规组织病理检查',
    centre: 'pathology',
    price: '300.00',
    turnaroundMinutes: { routine: 7200, urgent: 2880, stat: 1440 },
  },
  {
    system: LOCAL,
    code: 'PATH-FROZEN',
    display: 'Frozen section (intraoperative)',
    displayZh: '术中冰冻病理',
    centre: 'pathology',
    price: '450.00',
    turnaroundMinutes: { routine: 30, urgent: 30, stat: 30 },
  },
];
