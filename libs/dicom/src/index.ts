export * from './dicom-json';
export * from './dicom-parse';
export * from './dicom-read-file';
export * from './dicom-render';
export * from './dicom-writer';
