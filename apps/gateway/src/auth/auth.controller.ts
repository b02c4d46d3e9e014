import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { type Response } from 'express';
import { z } from 'zod';
import { Public } from './auth.guard';
import { AuthService } from './auth.service';

const clientCredentialsBody = z.object({
  grant_type: z.string(),
  client_id: z.string().min(1).max(200),
  client_secret: z.string().min(1).max(500),
});

const loginBody = z.object({
  username: z.string().min(1).max(200),
  password: z.string().min(1).max(500),
});

/** Token endpoints: OAuth2 client credentials for member systems, login for people. */
@Controller('auth')
@Public()
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /** RFC 6749 §4.4; errors use the OAuth2 error format (§5.2). */
  @Post('token')
  @HttpCode(200)
  async token(@Body() body: unknown, @Res({ passthrough: true }) response: Response) {
    response.setHeader('Cache-Control', 'no-store');
    const parsed = clientCredentialsBody.safeParse(body ?? {});
    if (!parsed.success) {
      response.status(400);
      return {
        error: 'invalid_request',
        error_description: 'grant_type, client_id and client_secret are required (form-encoded)',
      };
    }
    if (parsed.data.grant_type !== 'client_credentials') {
      response.status(400);
      return {
        error: 'unsupported_grant_type',
        error_description: 'only client_credentials is supported',
      };
    }
    const token = await this.auth.clientCredentials(
      parsed.data.client_id,
      parsed.data.client_secret,
    );
    if (!token) {
      response.status(401);
      return { error: 'invalid_client', error_description: 'unknown client or wrong secret' };
    }
    return token;
  }

  @Post('login')
  @HttpCode(200)
  async login(@Body() body: unknown, @Res({ passthrough: true }) response: Response) {
    response.setHeader('Cache-Control', 'no-store');
    const parsed = loginBody.safeParse(body ?? {});
    if (!parsed.success) {
      response.status(400);
      return {
        error: 'invalid_request',
        error_description: 'username and password are required (JSON)',
      };
    }
    const token = await this.auth.login(parsed.data.username, parsed.data.password);
    if (!token) {
      response.status(401);
      return { error: 'invalid_grant', error_description: 'wrong username or password' };
    }
    return token;
  }
}
