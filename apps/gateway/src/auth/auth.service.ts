import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource } from 'typeorm';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { DUMMY_HASH, verifySecret } from './password';
import { type Principal, type Role, Roles } from './principal';

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

interface AccountRow {
  subject: string;
  hash: string;
  org_code: string;
  roles: string[];
}

/** Issues and checks bearer tokens for member systems (client credentials) and people (login). */
@Injectable()
export class AuthService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly jwt: JwtService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** OAuth2 client credentials: undefined when the client or secret is wrong. */
  async clientCredentials(clientId: string, secret: string): Promise<TokenResponse | undefined> {
    const rows = await this.dataSource.query<AccountRow[]>(
      `SELECT client_id AS subject, secret_hash AS hash, org_code, roles FROM gateway.api_client WHERE client_id = $1 AND active`,
      [clientId],
    );
    return this.issueIfValid('client', rows[0], secret);
  }

  /** Username and password: undefined when either is wrong. */
  async login(username: string, password: string): Promise<TokenResponse | undefined> {
    const rows = await this.dataSource.query<AccountRow[]>(
      `SELECT username AS subject, password_hash AS hash, org_code, roles FROM gateway.app_user WHERE username = $1 AND active`,
      [username],
    );
    return this.issueIfValid('user', rows[0], password);
  }

  /** The principal a token stands for, or undefined when it is invalid or expired. */
  async verify(token: string): Promise<Principal | undefined> {
    try {
      const claims = await this.jwt.verifyAsync<{
        sub: string;
        kind: Principal['kind'];
        org: string;
        roles: string[];
      }>(token, {
        algorithms: ['HS256'],
      });
      return {
        kind: claims.kind,
        subject: claims.sub,
        org: claims.org,
        roles: claims.roles.filter(isRole),
      };
    } catch {
      return undefined;
    }
  }

  private async issueIfValid(
    kind: Principal['kind'],
    account: AccountRow | undefined,
    secret: string,
  ): Promise<TokenResponse | undefined> {
    // Always run the KDF so an unknown account takes as long as a wrong secret.
    const valid = await verifySecret(secret, account?.hash ?? DUMMY_HASH);
    if (!account || !valid) return undefined;
    const roles = account.roles.filter(isRole);
    const token = await this.jwt.signAsync(
      { kind, org: account.org_code, roles },
      {
        subject: account.subject,
        expiresIn: this.config.JWT_TTL_SECONDS,
        algorithm: 'HS256',
        issuer: 'consortium-hub',
      },
    );
    return {
      access_token: token,
      token_type: 'Bearer',
      expires_in: this.config.JWT_TTL_SECONDS,
      scope: roles.join(' '),
    };
  }
}

function isRole(value: string): value is Role {
  return (Roles as readonly string[]).includes(value);
}
