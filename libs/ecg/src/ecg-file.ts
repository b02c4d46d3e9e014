/**
 * ECG files as carts and ECG management systems send them: DICOM waveform objects and HL7 annotated
 * ECGs, read into one {@link EcgFile}. A file that cannot be used is refused with an
 * {@link EcgFileError} whose message a cart technician can act on.
 */
import { parseAecg } from './aecg';
import { parseDicomEcg } from './dicom-ecg';
import { type EcgFile, EcgFileError } from './ecg-file-model';

export {
  type CartMeasurements,
  type EcgFile,
  EcgFileError,
  type EcgFileProblem,
  type EcgPatientSex,
  EcgSopClasses,
  type PatientSexOption,
} from './ecg-file-model';

/**
 * Reads an ECG file by its content type: 'application/dicom' → {@link parseDicomEcg},
 * 'application/xml' or 'text/xml' → {@link parseAecg} (parameters such as charset are ignored).
 * @throws EcgFileError 'unsupported' for any other content type, and the readers' refusals
 */
export function readEcgFile(bytes: Buffer, contentType: string): EcgFile {
  const type = contentType.split(';')[0].trim().toLowerCase();
  switch (type) {
    case 'application/dicom':
      return parseDicomEcg(bytes);
    case 'application/xml':
    case 'text/xml':
      return parseAecg(bytes);
    default:
      throw new EcgFileError(
        'unsupported',
        `Files of type "${contentType}" are not ECG files the hub reads: send a DICOM ECG (application/dicom) or an HL7 aECG (application/xml).`,
      );
  }
}
