/** Code and identifier systems the hub uses. */
export const Systems = {
  Loinc: 'http://loinc.org',
  Ucum: 'http://unitsofmeasure.org',
  /** HL7 v2-0203 identifier types (PLAC placer, FILL filler, MR record number, ACSN accession). */
  IdentifierType: 'http://terminology.hl7.org/CodeSystem/v2-0203',
  ObservationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  ObservationInterpretation: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
  DiagnosticServiceSection: 'http://terminology.hl7.org/CodeSystem/v2-0074',
  DicomModality: 'http://dicom.nema.org/resources/ontology/DCM',
  /** The hub's own order numbers (FILL). */
  HubOrder: 'urn:hub:order',
  /** Organisation identifiers of the consortium (also the HL7 facility names). */
  HubOrganization: 'urn:hub:organization',
  /** The hub's local catalogue codes (items without a LOINC code). */
  HubCatalogue: 'urn:hub:catalogue',
  /** Imaging accession numbers (ACSN): the AccessionNumber (0008,0050) a modality writes. */
  HubAccession: 'urn:hub:accession',
  /** Specimen accession numbers the hub gives lab orders (the barcode on the label). */
  HubSpecimen: 'urn:hub:specimen',
  /** The lab's specimen type codes (serum, whole-blood-edta, …). */
  HubSpecimenType: 'urn:hub:specimen-type',
  /** Why a specimen was rejected (the lab's rejection reason codes). */
  HubSpecimenRejection: 'urn:hub:specimen-rejection',
} as const;

/** A clinic's MRN system: `urn:hub:mrn:<ORG-CODE>`. */
export function mrnSystem(orgCode: string): string {
  return `urn:hub:mrn:${orgCode}`;
}

/** A clinic's default placer-number system: `urn:hub:placer:<ORG-CODE>`. */
export function placerSystem(orgCode: string): string {
  return `urn:hub:placer:${orgCode}`;
}
