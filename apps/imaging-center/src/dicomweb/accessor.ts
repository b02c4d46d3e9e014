import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
  createParamDecorator,
} from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { type Request } from 'express';
import { IMAGING_CONFIG, type ImagingConfig } from '../imaging-config';

/**
 * Who may see what in the archive, in one place. The gateway authenticates the caller and forwards
 * `x-hub-accessor`: a JWT (HS256, JWT_SECRET, 60 s) with `{ sub, org, roles, kind: 'accessor' }`.
 *
 * | caller                                          | sees                                        |
 * | ----------------------------------------------- | ------------------------------------------- |
 * | `admin`, or anyone of the imaging centre's org  | every study, unmatched ones too             |
 * | `clinic-system`, `clinic-doctor`                | studies linked to its own organisation's orders |
 * | `pathologist`                                   | the same, and the studies its organisation sent that matched no imaging order (whole-slide images) |
 * | anyone else                                     | nothing (403)                               |
 *
 * The filter is part of the SQL ({@link scopeCondition}); a study the caller may not see answers
 * 404 like one that does not exist.
 */
export const ACCESSOR_HEADER = 'x-hub-accessor';

const CLINIC_ROLES = ['clinic-system', 'clinic-doctor'];

/**
 * `org`: the studies linked to the organisation's orders; with `ownUploads`, also the ones it sent
 * that matched no imaging order (the pathology centre's whole-slide images). A clinic's own
 * unmatched uploads stay with imaging staff: the accession it wrote may be another clinic's.
 */
export type AccessScope = { kind: 'all' } | { kind: 'org'; org: string; ownUploads?: boolean };

export interface Accessor {
  subject: string;
  org: string;
  roles: string[];
  scope: AccessScope;
}

interface AccessorClaims {
  sub: string;
  org: string;
  roles: string[];
  kind: 'accessor';
  exp?: number;
}

/** What a caller's claims let them see, or undefined when nothing. */
export function scopeFor(
  claims: { org: string; roles: string[] },
  imagingOrg: string,
): AccessScope | undefined {
  if (claims.roles.includes('admin') || claims.org === imagingOrg) return { kind: 'all' };
  if (claims.roles.some((role) => CLINIC_ROLES.includes(role)))
    return { kind: 'org', org: claims.org };
  // The pathology centre: the whole-slide images its scanner sends.
  if (claims.roles.includes('pathologist'))
    return { kind: 'org', org: claims.org, ownUploads: true };
  return undefined;
}

/**
 * The SQL condition limiting `alias` (a row of `imaging.study`) to what the accessor may see; a
 * clinic's organisation is added to `params`.
 */
export function scopeCondition(accessor: Accessor, alias: string, params: unknown[]): string {
  if (accessor.scope.kind === 'all') return 'TRUE';
  params.push(accessor.scope.org);
  const org = `$${params.length}`;
  if (!accessor.scope.ownUploads) return `${alias}.requester_org = ${org}`;
  return `(${alias}.requester_org = ${org} OR (${alias}.requester_org IS NULL AND ${alias}.uploaded_by_org = ${org}))`;
}

/** Imaging staff and administrators only (unmatched studies, linking). */
export function assertSeesEverything(accessor: Accessor): void {
  if (accessor.scope.kind !== 'all')
    throw new ForbiddenException('only imaging staff and administrators may do this');
}

/** Checks `x-hub-accessor` on every request of the controllers it guards. */
@Injectable()
export class AccessorGuard implements CanActivate {
  constructor(
    private readonly jwt: JwtService,
    @Inject(IMAGING_CONFIG) private readonly config: ImagingConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request & { accessor?: Accessor }>();
    const token = request.headers[ACCESSOR_HEADER];
    if (typeof token !== 'string' || token === '')
      throw new UnauthorizedException(`the ${ACCESSOR_HEADER} header is missing`);
    let claims: Partial<AccessorClaims>;
    try {
      claims = await this.jwt.verifyAsync<AccessorClaims>(token, { algorithms: ['HS256'] });
    } catch {
      throw new UnauthorizedException(`the ${ACCESSOR_HEADER} token is invalid or expired`);
    }
    if (
      claims.kind !== 'accessor' ||
      // A token without an expiry would open the archive for ever if it leaked.
      typeof claims.exp !== 'number' ||
      typeof claims.sub !== 'string' ||
      typeof claims.org !== 'string' ||
      !Array.isArray(claims.roles) ||
      !claims.roles.every((role) => typeof role === 'string')
    )
      throw new UnauthorizedException(`the ${ACCESSOR_HEADER} token is not an accessor token`);
    const scope = scopeFor({ org: claims.org, roles: claims.roles }, this.config.IMAGING_ORG_CODE);
    if (!scope) throw new ForbiddenException('your role gives no access to the imaging archive');
    request.accessor = { subject: claims.sub, org: claims.org, roles: claims.roles, scope };
    return true;
  }
}

/** The accessor the guard checked. */
export const CurrentAccessor = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const request = context.switchToHttp().getRequest<Request & { accessor?: Accessor }>();
  if (!request.accessor) throw new UnauthorizedException('no accessor');
  return request.accessor;
});
