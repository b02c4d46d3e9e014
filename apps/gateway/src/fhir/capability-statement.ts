import type { CapabilityStatement, CapabilityStatementRestResource } from 'fhir/r4';
import { searchParameters } from './search-parameters';

/** Types the API creates (the rest are read-only or admin-only through the API). */
const CREATABLE = [
  'Patient',
  'ServiceRequest',
  'Observation',
  'DiagnosticReport',
  'Organization',
  'Task',
];

/**
 * The CapabilityStatement, generated from the search-parameter table so that it lists exactly what
 * the server supports.
 */
export function capabilityStatement(baseUrl: string, version: string): CapabilityStatement {
  const resources: CapabilityStatementRestResource[] = Object.entries(searchParameters).map(
    ([type, params]) => ({
      type,
      versioning: 'versioned',
      readHistory: true,
      updateCreate: false,
      conditionalCreate: true,
      interaction: [
        ...(CREATABLE.includes(type) ? [{ code: 'create' as const }] : []),
        { code: 'read' as const },
        { code: 'vread' as const },
        { code: 'history-instance' as const },
        { code: 'search-type' as const },
      ],
      searchParam: [
        ...params.map((p) => ({ name: p.name, type: p.type, documentation: p.documentation })),
        {
          name: '_lastUpdated',
          type: 'date' as const,
          documentation: 'When the resource last changed',
        },
      ],
    }),
  );
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    publisher: 'Consortium Diagnostic Hub',
    kind: 'instance',
    software: { name: 'Consortium Diagnostic Hub (医共体诊断协同平台)', version },
    implementation: { description: 'Consortium record of the diagnostic hub', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'Orders from member clinics, results from the consortium centres. Search parameters not listed are refused.',
        security: {
          service: [
            {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/restful-security-service',
                  code: 'OAuth',
                },
              ],
            },
          ],
          description: 'Bearer JWT from POST /auth/token (client credentials) or POST /auth/login',
        },
        resource: resources,
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
      },
    ],
  };
}
