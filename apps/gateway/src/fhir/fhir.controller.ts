import { All, Body, Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { type Request, type Response } from 'express';
import { FhirError, type StoredResource } from '@hub/fhir';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { type Principal } from '../auth/principal';
import { OutboxRelayService } from '../order/outbox-relay.service';
import { PatientService } from '../patient/patient.service';
import { RecognitionService } from '../recognition/recognition.service';
import { capabilityStatement } from './capability-statement';
import { type Accessor } from '../audit/accessor';
import { AuditService } from '../audit/audit.service';
import { RequireRoles } from '../auth/auth.guard';
import { CurrentAccessor } from './current-accessor.decorator';
import { accessorFor } from './fhir-access';
import { FhirBundleService } from './fhir-bundle.service';
import { type SearchQuery, FhirSearchService } from './fhir-search.service';
import { FhirStore } from './fhir-store.service';
import { FhirWriteService } from './fhir-write.service';
import { supportedTypes } from './search-parameters';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/**
 * FHIR R4 REST at /fhir: thin — unpack the request, call the store/intake, map the answer.
 * Errors become OperationOutcomes in FhirExceptionFilter.
 */
@Controller('fhir')
export class FhirController {
  constructor(
    private readonly store: FhirStore,
    private readonly searchService: FhirSearchService,
    private readonly writer: FhirWriteService,
    private readonly bundles: FhirBundleService,
    private readonly relay: OutboxRelayService,
    private readonly audit: AuditService,
    private readonly recognition: RecognitionService,
    private readonly patients: PatientService,
  ) {}

  @Get('metadata')
  metadata(@Req() request: Request, @Res({ passthrough: true }) response: Response) {
    response.type(FHIR_JSON);
    return capabilityStatement(baseUrl(request), process.env.npm_package_version ?? '0.1.0');
  }

  /** The audit trail, for administrators; reading it is itself audited. */
  @Get('AuditEvent')
  @RequireRoles('admin')
  async auditSearch(
    @Req() request: Request,
    @CurrentAccessor() accessor: Accessor,
    @Res({ passthrough: true }) response: Response,
  ) {
    response.type(FHIR_JSON);
    const query = queryOf(request);
    const bundle = await this.audit.search(query, baseUrl(request));
    await this.audit.record({
      type: '110112',
      subtype: 'search-type',
      action: 'E',
      agent: accessor.agent,
      query: `AuditEvent?${new URLSearchParams(query).toString()}`,
    });
    return bundle;
  }

  @Get('AuditEvent/:id')
  @RequireRoles('admin')
  async auditRead(
    @Param('id') id: string,
    @CurrentAccessor() accessor: Accessor,
    @Res({ passthrough: true }) response: Response,
  ) {
    response.type(FHIR_JSON);
    const event = await this.audit.read(id);
    await this.audit.record({
      type: '110110',
      subtype: 'read',
      action: 'R',
      agent: accessor.agent,
      entities: [{ type: 'AuditEvent', id }],
    });
    return event;
  }

  /** The audit trail cannot be written, changed or deleted through any API. */
  @All(['AuditEvent', 'AuditEvent/*path'])
  auditReadOnly(@Req() request: Request): never {
    throw new FhirError(
      405,
      'not-supported',
      `${request.method} on AuditEvent is not allowed: the audit trail is read-only`,
    );
  }

  @Post()
  @HttpCode(200)
  async bundle(
    @Body() body: unknown,
    @Req() request: Request,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ) {
    requireJson(request);
    response.type(FHIR_JSON);
    return this.bundles.process(body, principal, accessorFor(principal, request), baseUrl(request));
  }

  /**
   * 检查检验结果互认: the patient's prior results the clinic may reuse instead of repeating the test
   * (Parameters in and out; see RecognitionService). Member clinics and administrators.
   */
  @Post('ServiceRequest/$recognition-check')
  @HttpCode(200)
  @RequireRoles('clinic-system', 'clinic-doctor', 'admin')
  async recognitionCheck(
    @Body() body: unknown,
    @Req() request: Request,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ) {
    requireJson(request);
    response.type(FHIR_JSON);
    return this.recognition.check(body, accessorFor(principal, request).agent);
  }

  /**
   * The patient identifier cross-reference (in the spirit of IHE PIXm `$ihe-pix`):
   * `sourceIdentifier=system|value`, optional `targetSystem` (repeatable). Parameters with every
   * `targetIdentifier` the consortium knows and the `targetId` (Patient); 404 when nobody has the
   * identifier. Consortium staff and member clinics; audited with the patient.
   */
  @Get('Patient/$ihe-pix')
  @RequireRoles(
    'clinic-system',
    'clinic-doctor',
    'lab-tech',
    'lab-doctor',
    'radiologist',
    'cardiologist',
    'pathologist',
    'admin',
  )
  async pix(
    @Req() request: Request,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ) {
    const query = queryOf(request);
    const source = query.filter(([k]) => k === 'sourceIdentifier').map(([, v]) => v);
    const targets = query.filter(([k]) => k === 'targetSystem').map(([, v]) => v);
    const unknown = query.find(([k]) => k !== 'sourceIdentifier' && k !== 'targetSystem');
    if (unknown)
      throw FhirError.badRequest(
        `$ihe-pix takes sourceIdentifier and targetSystem, not ${unknown[0]}`,
      );
    const split = source.length === 1 ? source[0].indexOf('|') : -1;
    if (split <= 0 || split === source[0].length - 1)
      throw FhirError.badRequest(
        'sourceIdentifier=system|value is required, once (e.g. urn:oid:2.16.156.10011.1.3|…)',
        ['sourceIdentifier'],
      );
    const found = await this.patients.crossReference(
      { system: source[0].slice(0, split), value: source[0].slice(split + 1) },
      targets,
    );
    const agent = accessorFor(principal, request).agent;
    await this.audit.record({
      type: '110112',
      subtype: 'ihe-pix',
      action: 'E',
      agent,
      entities: found ? [{ type: 'Patient', id: found.patientId }] : [],
      patientIds: found ? [found.patientId] : [],
      ...(found ? {} : { outcome: '4' as const, outcomeDesc: 'no patient has the identifier' }),
    });
    if (!found) throw FhirError.notFound('no patient in the consortium has this identifier');
    response.type(FHIR_JSON);
    return {
      resourceType: 'Parameters',
      parameter: [
        ...found.identifiers.map((valueIdentifier) => ({
          name: 'targetIdentifier',
          valueIdentifier,
        })),
        { name: 'targetId', valueReference: { reference: `Patient/${found.patientId}` } },
      ],
    };
  }

  @Post(':type')
  async create(
    @Param('type') type: string,
    @Body() body: unknown,
    @Req() request: Request,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ) {
    checkType(type);
    requireJson(request);
    const outcome = await this.store.transaction((manager) =>
      this.writer.create(
        manager,
        body,
        principal,
        accessorFor(principal, request).agent,
        type,
        type,
      ),
    );
    if (outcome.routed) this.relay.kick();
    const resource = outcome.resource;
    response.status(outcome.created ? 201 : 200);
    response.setHeader(
      'Location',
      `${baseUrl(request)}/${type}/${resource.id}/_history/${resource.meta?.versionId}`,
    );
    setVersionHeaders(response, resource);
    return resource;
  }

  @Post(':type/_search')
  @HttpCode(200)
  async searchPost(
    @Param('type') type: string,
    @Req() request: Request,
    @CurrentAccessor() accessor: Accessor,
    @Res({ passthrough: true }) response: Response,
  ) {
    checkType(type);
    if (!request.is('application/x-www-form-urlencoded')) {
      throw new FhirError(
        415,
        'not-supported',
        'POST _search takes application/x-www-form-urlencoded parameters',
      );
    }
    const form = request.body as Record<string, string | string[]>;
    const query: SearchQuery = Object.entries(form).flatMap(([k, v]) =>
      Array.isArray(v) ? v.map((x): [string, string] => [k, x]) : [[k, String(v)]],
    );
    response.type(FHIR_JSON);
    return this.searchService.search(
      type,
      [...queryOf(request), ...query],
      accessor,
      baseUrl(request),
    );
  }

  @Get(':type')
  async search(
    @Param('type') type: string,
    @Req() request: Request,
    @CurrentAccessor() accessor: Accessor,
    @Res({ passthrough: true }) response: Response,
  ) {
    checkType(type);
    response.type(FHIR_JSON);
    return this.searchService.search(type, queryOf(request), accessor, baseUrl(request));
  }

  @Get(':type/:id')
  async read(
    @Param('type') type: string,
    @Param('id') id: string,
    @CurrentAccessor() accessor: Accessor,
    @Res({ passthrough: true }) response: Response,
  ) {
    checkType(type);
    const resource = await this.store.read(type, id, accessor);
    response.type(FHIR_JSON);
    setVersionHeaders(response, resource);
    return resource;
  }

  @Get(':type/:id/_history')
  async history(
    @Param('type') type: string,
    @Param('id') id: string,
    @Req() request: Request,
    @CurrentAccessor() accessor: Accessor,
    @Res({ passthrough: true }) response: Response,
  ) {
    checkType(type);
    response.type(FHIR_JSON);
    return this.store.history(type, id, accessor, baseUrl(request));
  }

  @Get(':type/:id/_history/:versionId')
  async vread(
    @Param('type') type: string,
    @Param('id') id: string,
    @Param('versionId') versionId: string,
    @CurrentAccessor() accessor: Accessor,
    @Res({ passthrough: true }) response: Response,
  ) {
    checkType(type);
    const resource = await this.store.vread(type, id, versionId, accessor);
    response.type(FHIR_JSON);
    setVersionHeaders(response, resource);
    return resource;
  }

  /** Anything else under /fhir (update, delete, patch, operations) is not offered. */
  @All('*path')
  unsupported(@Req() request: Request): never {
    throw new FhirError(
      405,
      'not-supported',
      `${request.method} ${request.path} is not supported; see GET /fhir/metadata`,
    );
  }
}

function checkType(type: string): void {
  if (!supportedTypes.includes(type)) {
    throw FhirError.notFound(
      `resource type "${type}" is not supported; supported: ${supportedTypes.join(', ')}`,
    );
  }
}

function requireJson(request: Request): void {
  if (!request.is(['application/fhir+json', 'application/json'])) {
    throw new FhirError(415, 'not-supported', 'the body must be application/fhir+json');
  }
}

function baseUrl(request: Request): string {
  return `${request.protocol}://${request.get('host') ?? 'localhost'}/fhir`;
}

function queryOf(request: Request): SearchQuery {
  return [...new URL(request.originalUrl, 'http://local').searchParams.entries()];
}

function setVersionHeaders(response: Response, resource: StoredResource): void {
  if (resource.meta?.versionId) response.setHeader('ETag', `W/"${resource.meta.versionId}"`);
  if (resource.meta?.lastUpdated)
    response.setHeader('Last-Modified', new Date(resource.meta.lastUpdated).toUTCString());
}
