import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  ForbiddenException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type Request } from 'express';
import { AuthService } from './auth.service';
import { type Principal, type Role } from './principal';

const PUBLIC_KEY = 'hub:public';
const ROLES_KEY = 'hub:roles';

/** Marks a route that needs no token (health, token endpoints). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** Limits a route (or controller) to callers holding one of these roles. */
export const RequireRoles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

export interface AuthenticatedRequest extends Request {
  principal?: Principal;
}

/**
 * Applied to every route: a valid bearer token is required unless the route is @Public, and the
 * caller's roles must match @RequireRoles where given.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match)
      throw new UnauthorizedException(
        'a bearer token is required (POST /auth/token or /auth/login)',
      );
    const principal = await this.auth.verify(match[1]);
    if (!principal) throw new UnauthorizedException('the bearer token is invalid or has expired');
    request.principal = principal;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles && !principal.roles.some((role) => roles.includes(role))) {
      throw new ForbiddenException(`this needs one of the roles: ${roles.join(', ')}`);
    }
    return true;
  }
}
