// The archive both DICOMweb servers take: Part 10 files written once per run with the hub's own
// writer (dist/libs/dicom), one series per study, and the QIDO-RS queries that search it. Patients,
// dates, modalities and accession numbers vary, so that each query matches a realistic handful.
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { distOf } from '../../scripts/lib/apps.mjs';

const require = createRequire(import.meta.url);

/** The compiled writer the files are made with (the hub's `buildDicom`). */
export const dicomWriterFile = () => distOf('libs', 'dicom', 'src', 'dicom-writer.js');

/** Pinyin and hanzi, so names carry an alphabetic and an ideographic group (ISO_IR 192). */
const SURNAMES = [
  ['ZHANG', '张'],
  ['WANG', '王'],
  ['CHEN', '陈'],
  ['LIU', '刘'],
  ['YANG', '杨'],
  ['HUANG', '黄'],
  ['ZHAO', '赵'],
  ['WU', '吴'],
  ['ZHOU', '周'],
  ['XU', '徐'],
];
const GIVEN_NAMES = [
  ['WEI', '伟'],
  ['FANG', '芳'],
  ['XIUYING', '秀英'],
  ['MIN', '敏'],
  ['JING', '静'],
  ['QIANG', '强'],
  ['LEI', '磊'],
  ['JUN', '军'],
  ['YAN', '艳'],
  ['TAO', '涛'],
  ['MING', '明'],
  ['XIULAN', '秀兰'],
];
const MODALITIES = [
  { code: 'CT', sopClassUid: '1.2.840.10008.5.1.4.1.1.2', description: '胸部 CT 平扫' },
  { code: 'MR', sopClassUid: '1.2.840.10008.5.1.4.1.1.4', description: '头颅 MR 平扫' },
  { code: 'CR', sopClassUid: '1.2.840.10008.5.1.4.1.1.1', description: '胸部正位片' },
  { code: 'DX', sopClassUid: '1.2.840.10008.5.1.4.1.1.1.1', description: '腰椎正侧位' },
  { code: 'US', sopClassUid: '1.2.840.10008.5.1.4.1.1.6.1', description: '腹部超声' },
];
const YEAR = 2025;
const DAY_MS = 86_400_000;
/** Rows and columns of every image (16-bit MONOCHROME2): small, so 100,000 fit on a disk. */
export const IMAGE_SIZE = 64;

const dicomDate = (ms) => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');

/**
 * What will be written: `instances` split into studies of `perStudy` (the last may be smaller),
 * each one series; two studies per patient. Deterministic: the same knobs give the same plan.
 */
export function planArchive({ instances, perStudy }) {
  const studyCount = Math.ceil(instances / perStudy);
  const patients = Array.from({ length: Math.max(1, Math.ceil(studyCount / 2)) }, (_, p) => {
    const [surname, surnameHanzi] = SURNAMES[p % SURNAMES.length];
    const [given, givenHanzi] = GIVEN_NAMES[Math.floor(p / SURNAMES.length) % GIVEN_NAMES.length];
    return {
      id: `P${String(p + 1).padStart(7, '0')}`,
      name: `${surname}^${given}=${surnameHanzi}^${givenHanzi}`,
      birthDate: dicomDate(Date.UTC(1940, 0, 1) + ((p * 7919) % 25_000) * DAY_MS),
      sex: p % 2 ? 'M' : 'F',
    };
  });
  const studies = Array.from({ length: studyCount }, (_, s) => ({
    index: s,
    count: Math.min(perStudy, instances - s * perStudy),
    patient: patients[s % patients.length],
    // Spread over the year, not in order of sending.
    date: dicomDate(Date.UTC(YEAR, 0, 1) + ((s * 7919) % 365) * DAY_MS),
    time: `${String(8 + (s % 10)).padStart(2, '0')}${String((s * 7) % 60).padStart(2, '0')}00`,
    modality: MODALITIES[(s + Math.floor(s / patients.length)) % MODALITIES.length],
    accession: `A${YEAR}${String(s + 1).padStart(7, '0')}`,
  }));
  return { instances, perStudy, studies, patients };
}

/** The file of the `k`-th instance of a study. */
export const fileOf = (dir, study, k) => join(dir, String(study.index), `${k}.dcm`);

/**
 * Writes the plan's files under `dir` (explicit VR little endian, each instance its own pixels)
 * and returns the total size in bytes; each study gets `bytes`, its files' size. Stops between
 * studies once `signal` is aborted.
 */
export async function writeArchive(plan, dir, { signal, onStudy } = {}) {
  const { buildDicom, newUid } = require(dicomWriterFile());
  let total = 0;
  for (const study of plan.studies) {
    if (signal?.aborted) throw new Error('interrupted');
    const studyDir = join(dir, String(study.index));
    await mkdir(studyDir, { recursive: true });
    const studyInstanceUid = newUid();
    const seriesInstanceUid = newUid();
    study.bytes = 0;
    const writes = [];
    for (let k = 0; k < study.count; k++) {
      const { bytes } = buildDicom({
        transferSyntax: 'explicit-le',
        specificCharacterSet: 'ISO_IR 192',
        studyInstanceUid,
        seriesInstanceUid,
        sopClassUid: study.modality.sopClassUid,
        patientName: study.patient.name,
        patientId: study.patient.id,
        patientBirthDate: study.patient.birthDate,
        patientSex: study.patient.sex,
        accessionNumber: study.accession,
        studyDate: study.date,
        studyTime: study.time,
        modality: study.modality.code,
        studyDescription: study.modality.description,
        seriesDescription: study.modality.description,
        seriesNumber: 1,
        instanceNumber: k + 1,
        rows: IMAGE_SIZE,
        columns: IMAGE_SIZE,
        windowCenter: 2048,
        windowWidth: 4096,
        pixel: (_frame, row, column) => (row * 64 + column * 16 + k * 257) % 4096,
      });
      study.bytes += bytes.length;
      writes.push(writeFile(fileOf(dir, study, k), bytes));
    }
    await Promise.all(writes);
    total += study.bytes;
    onStudy?.(study);
  }
  return total;
}

/**
 * The QIDO-RS study searches, `repeats` of each, the values varying over the archive (the same
 * strings go to every server). `limit=100` on each, so that no server's default limit decides how
 * much is answered.
 */
export function qidoQueries(plan, repeats) {
  const { patients, studies } = plan;
  const pick = (list, i) => list[(i * 7919) % list.length];
  const monthRange = (i) => {
    const month = i % 12;
    const last = new Date(Date.UTC(YEAR, month + 1, 0)).getUTCDate();
    const mm = String(month + 1).padStart(2, '0');
    return `${YEAR}${mm}01-${YEAR}${mm}${last}`;
  };
  const kinds = [
    { label: 'PatientID=<one patient>', query: (i) => `PatientID=${pick(patients, i).id}` },
    {
      label: 'PatientName=<surname>*',
      query: (i) => `PatientName=${SURNAMES[i % SURNAMES.length][0]}*`,
    },
    { label: 'StudyDate=<one month>', query: (i) => `StudyDate=${monthRange(i)}` },
    {
      label: 'AccessionNumber=<one study>',
      query: (i) => `AccessionNumber=${pick(studies, i).accession}`,
    },
    {
      label: 'ModalitiesInStudy=<modality>',
      query: (i) => `ModalitiesInStudy=${MODALITIES[i % MODALITIES.length].code}`,
    },
  ];
  return kinds.map(({ label, query }) => ({
    label,
    strings: Array.from({ length: repeats }, (_, i) => `${query(i)}&limit=100`),
  }));
}
