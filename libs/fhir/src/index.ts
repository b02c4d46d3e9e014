export * from './fhir-error';
export * from './systems';
export * from './resource';
