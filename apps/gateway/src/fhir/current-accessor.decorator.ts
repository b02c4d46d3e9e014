import { createParamDecorator, type ExecutionContext, UnauthorizedException } from '@nestjs/common';
import { type Accessor } from '../audit/accessor';
import { type AuthenticatedRequest } from '../auth/auth.guard';
import { accessorFor } from './fhir-access';

/** The caller's scope of the consortium record and audit agent, for the repository. */
export const CurrentAccessor = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Accessor => {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!request.principal) throw new UnauthorizedException('not authenticated');
    return accessorFor(request.principal, request);
  },
);
