import { createParamDecorator, type ExecutionContext, UnauthorizedException } from '@nestjs/common';
import { type AuthenticatedRequest } from './auth.guard';
import { type Principal } from './principal';

/** The authenticated caller of the current request. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
    if (!principal) throw new UnauthorizedException('not authenticated');
    return principal;
  },
);
