import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { type Request, type Response } from 'express';
import { z } from 'zod';
import { Public } from './auth.guard';
import { AuthService, type SignInResult } from './auth.service';

const tokenBody = z.discriminatedUnion('grant_type', [
  z.object({
    grant_type: z.literal('client_credentials'),
    client_id: z.string().min(1).max(200),
    client_secret: z.string().min(1).max(500),
  }),
  z.object({ grant_type: z.literal('refresh_token'), refresh_token: z.string().min(20).max(200) }),
]);

const loginBody = z.object({
  username: z.string().min(1).max(200),
  password: z.string().min(1).max(500),
});

/**
 * Token endpoints: OAuth2 client credentials for member systems, login (with refresh tokens) for
 * people. Errors use the OAuth2 error format (RFC 6749 §5.2).
 */
@Controller('auth')
@Public()
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('token')
  @HttpCode(200)
  async token(
    @Body() body: unknown,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ) {
    response.setHeader('Cache-Control', 'no-store');
    const type = (body as { grant_type?: unknown } | undefined)?.grant_type;
    if (type !== undefined && type !== 'client_credentials' && type !== 'refresh_token') {
      response.status(400);
      return {
        error: 'unsupported_grant_type',
        error_description: 'grant_type must be client_credentials or refresh_token',
      };
    }
    const parsed = tokenBody.safeParse(body ?? {});
    if (!parsed.success) {
      response.status(400);
      return {
        error: 'invalid_request',
        error_description:
          'form-encoded grant_type=client_credentials with client_id and client_secret, or grant_type=refresh_token with refresh_token',
      };
    }
    const result =
      parsed.data.grant_type === 'client_credentials'
        ? await this.auth.clientCredentials(
            parsed.data.client_id,
            parsed.data.client_secret,
            request.ip,
          )
        : await this.auth.refresh(parsed.data.refresh_token, request.ip);
    return answer(
      result,
      response,
      parsed.data.grant_type === 'client_credentials' ? 'invalid_client' : 'invalid_grant',
    );
  }

  @Post('login')
  @HttpCode(200)
  async login(
    @Body() body: unknown,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ) {
    response.setHeader('Cache-Control', 'no-store');
    const parsed = loginBody.safeParse(body ?? {});
    if (!parsed.success) {
      response.status(400);
      return {
        error: 'invalid_request',
        error_description: 'username and password are required (JSON)',
      };
    }
    return answer(
      await this.auth.login(parsed.data.username, parsed.data.password, request.ip),
      response,
      'invalid_grant',
    );
  }
}

function answer(
  result: SignInResult,
  response: Response,
  error: 'invalid_client' | 'invalid_grant',
) {
  if (result.ok) return result.token;
  response.status(401);
  if (result.reason === 'locked') {
    response.setHeader('Retry-After', String(result.retryAfterSeconds ?? 60));
    return {
      error,
      error_description: `too many failed attempts: the account is locked for ${Math.ceil((result.retryAfterSeconds ?? 60) / 60)} minute(s)`,
    };
  }
  return { error, error_description: 'wrong credentials' };
}
