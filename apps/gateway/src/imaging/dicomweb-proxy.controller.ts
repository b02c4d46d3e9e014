import { All, Controller, Inject, Logger, Req, Res } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { type Request, type Response } from 'express';
import { operationOutcome } from '@hub/fhir';
import { agentFor } from '../audit/accessor';
import { AuditService } from '../audit/audit.service';
import { RequireRoles } from '../auth/auth.guard';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { type Principal } from '../auth/principal';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';

/** Request headers passed on to the archive (everything else stays at the edge). */
const FORWARDED_REQUEST = [
  'accept',
  'content-type',
  'content-length',
  'transfer-encoding',
  'content-encoding',
];
/** Response headers passed back to the caller. */
const FORWARDED_RESPONSE = [
  'content-type',
  'content-length',
  'transfer-encoding',
  'location',
  'warning',
  // The archive's 503 while its database is unavailable says when to send again.
  'retry-after',
];

/**
 * `/dicomweb/*` (and the imaging staff's `/dicomweb-admin/*`): the public face of the imaging
 * centre's DICOMweb archive. The gateway authenticates the caller, audits the access, and streams
 * the request to the archive with a 60-second accessor token (HS256, `x-hub-accessor`) naming who
 * is asking; the archive applies the tenant scope in its SQL. Bodies are streamed both ways, so a
 * large STOW-RS upload or WADO-RS retrieve never sits in the gateway's memory.
 */
@Controller()
// Pathologists: the whole-slide images of their cases (the archive scopes them to their own).
@RequireRoles('clinic-system', 'clinic-doctor', 'radiologist', 'pathologist', 'admin')
export class DicomwebProxyController {
  private readonly logger = new Logger(DicomwebProxyController.name);
  private readonly upstream: URL;
  private readonly publicUrl: URL;

  constructor(
    private readonly jwt: JwtService,
    private readonly audit: AuditService,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.upstream = new URL(config.IMAGING_URL);
    this.publicUrl = new URL(config.PUBLIC_URL);
  }

  @All(['dicomweb', 'dicomweb/*path', 'dicomweb-admin/*path'])
  async proxy(
    @Req() request: Request,
    @Res() response: Response,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    const accessor = await this.jwt.signAsync(
      { sub: principal.subject, org: principal.org, roles: principal.roles, kind: 'accessor' },
      { expiresIn: 60 },
    );
    const study = /\/studies\/([0-9.]{1,64})/.exec(request.path)?.[1];
    await this.audit.record({
      type: '110110',
      subtype: `dicomweb-${request.method.toLowerCase()}`,
      action: request.method === 'POST' ? 'C' : 'R',
      agent: agentFor(principal, request),
      entities: study ? [{ type: 'ImagingStudy', id: study }] : [],
      query: request.originalUrl.slice(0, 500),
    });
    const forward =
      request.method === 'GET' || request.method === 'HEAD' || request.method === 'POST';
    if (!forward) {
      response
        .status(405)
        .type('application/fhir+json')
        .json(
          operationOutcome(
            'error',
            'not-supported',
            `${request.method} is not part of DICOMweb here`,
          ),
        );
      return;
    }
    const upstream = httpRequest({
      protocol: this.upstream.protocol,
      hostname: this.upstream.hostname,
      port: this.upstream.port,
      method: request.method,
      path: request.originalUrl,
      headers: {
        ...pick(request.headers, FORWARDED_REQUEST),
        'x-hub-accessor': accessor,
        // The archive builds RetrieveURLs from the address the caller used: the gateway's.
        'x-forwarded-host': request.headers.host ?? this.publicUrl.host,
        'x-forwarded-proto': request.protocol,
      },
    });
    upstream.on('response', (answer) => {
      response.status(answer.statusCode ?? 502);
      for (const [name, value] of Object.entries(pick(answer.headers, FORWARDED_RESPONSE)))
        if (value !== undefined) response.setHeader(name, value);
      answer.pipe(response);
    });
    upstream.on('error', (error) => {
      this.logger.warn({ error: error.message }, 'imaging archive unreachable');
      if (response.headersSent) {
        response.destroy(error);
        return;
      }
      response
        .status(502)
        .type('application/fhir+json')
        .json(
          operationOutcome(
            'error',
            'transient',
            'the imaging archive is not reachable right now; nothing was stored — try again',
          ),
        );
    });
    request.on('aborted', () => upstream.destroy());
    request.pipe(upstream);
  }
}

function pick(headers: IncomingHttpHeaders, names: string[]): Record<string, string | string[]> {
  const picked: Record<string, string | string[]> = {};
  for (const name of names) {
    const value = headers[name];
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}
