import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource } from 'typeorm';
import { type AuditAgent } from '../audit/accessor';
import { AuditService } from '../audit/audit.service';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { DUMMY_HASH, verifySecret } from './password';
import { type Principal, type Role, Roles } from './principal';

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  refresh_token?: string;
}

/** Why a sign-in was refused; the caller sees only "wrong credentials" or "locked". */
export type SignInFailure = 'invalid' | 'locked';
export type SignInResult =
  | { ok: true; token: TokenResponse }
  | { ok: false; reason: SignInFailure; retryAfterSeconds?: number };

interface AccountRow {
  subject: string;
  hash: string;
  org_code: string;
  roles: string[];
  licensed: boolean;
  locked_until: Date | null;
}

const ACCOUNT_TABLES = {
  client: { table: 'gateway.api_client', key: 'client_id', hash: 'secret_hash', licensed: 'true' },
  user: { table: 'gateway.app_user', key: 'username', hash: 'password_hash', licensed: 'licensed' },
} as const;

/**
 * Issues and checks bearer tokens for member systems (client credentials) and people (login, with
 * rotating refresh tokens). Repeated failures lock the account for a while; every sign-in, failed
 * or not, is audited.
 */
@Injectable()
export class AuthService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly jwt: JwtService,
    private readonly audit: AuditService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** OAuth2 client credentials (RFC 6749 §4.4). */
  clientCredentials(clientId: string, secret: string, ip?: string): Promise<SignInResult> {
    return this.signIn('client', clientId, secret, ip);
  }

  /** Username and password; the answer carries a refresh token. */
  login(
    username: string,
    password: string,
    ip?: string,
    withRefresh = true,
  ): Promise<SignInResult> {
    return this.signIn('user', username, password, ip, withRefresh);
  }

  /**
   * Exchanges a refresh token for new tokens. Each refresh token works once; presenting a used one
   * again (a stolen copy) revokes its whole family.
   */
  async refresh(refreshToken: string, ip?: string): Promise<SignInResult> {
    const hash = sha256(refreshToken);
    const result = await this.dataSource.transaction(
      async (manager): Promise<{ username: string; family: string } | 'invalid' | 'reused'> => {
        const rows = await manager.query<
          Array<{ username: string; family: string; expires_at: Date; used_at: Date | null }>
        >(
          `SELECT username, family, expires_at, used_at FROM gateway.refresh_token WHERE token_hash = $1 FOR UPDATE`,
          [hash],
        );
        const row = rows[0];
        if (!row || row.expires_at.getTime() < Date.now()) return 'invalid';
        if (row.used_at) {
          await manager.query(
            `UPDATE gateway.refresh_token SET used_at = now() WHERE family = $1 AND used_at IS NULL`,
            [row.family],
          );
          return 'reused';
        }
        await manager.query(
          `UPDATE gateway.refresh_token SET used_at = now() WHERE token_hash = $1`,
          [hash],
        );
        return { username: row.username, family: row.family };
      },
    );
    if (typeof result === 'string') {
      await this.recordSignIn(
        'user',
        '(refresh token)',
        ip,
        '4',
        result === 'reused'
          ? 'refresh token reused: family revoked'
          : 'invalid or expired refresh token',
        'refresh',
      );
      return { ok: false, reason: 'invalid' };
    }
    const account = await this.account('user', result.username);
    if (!account) return { ok: false, reason: 'invalid' };
    await this.recordSignIn('user', result.username, ip, '0', undefined, 'refresh', account);
    return { ok: true, token: await this.issue('user', account, true, result.family) };
  }

  /** The principal a token stands for, or undefined when it is invalid or expired. */
  async verify(token: string): Promise<Principal | undefined> {
    try {
      const claims = await this.jwt.verifyAsync<{
        sub: string;
        kind: Principal['kind'];
        org: string;
        roles: string[];
        licensed?: boolean;
      }>(token, {
        algorithms: ['HS256'],
        issuer: 'consortium-hub',
      });
      return {
        kind: claims.kind,
        subject: claims.sub,
        org: claims.org,
        roles: claims.roles.filter(isRole),
        licensed: claims.licensed !== false,
      };
    } catch {
      return undefined;
    }
  }

  private async signIn(
    kind: Principal['kind'],
    subject: string,
    secret: string,
    ip?: string,
    withRefresh = true,
  ): Promise<SignInResult> {
    const account = await this.account(kind, subject);
    if (account?.locked_until && account.locked_until.getTime() > Date.now()) {
      await this.recordSignIn(kind, subject, ip, '4', 'account locked', 'login', account);
      return {
        ok: false,
        reason: 'locked',
        retryAfterSeconds: Math.ceil((account.locked_until.getTime() - Date.now()) / 1000),
      };
    }
    // Always run the KDF so an unknown account takes as long as a wrong secret.
    const valid = await verifySecret(secret, account?.hash ?? DUMMY_HASH);
    const { table, key } = ACCOUNT_TABLES[kind];
    if (!account || !valid) {
      if (account) {
        await this.dataSource.query(
          `UPDATE ${table} SET failed_attempts = failed_attempts + 1,
             locked_until = CASE WHEN failed_attempts + 1 >= $2 THEN now() + make_interval(mins => $3) ELSE locked_until END
           WHERE ${key} = $1`,
          [subject, this.config.LOCKOUT_THRESHOLD, this.config.LOCKOUT_MINUTES],
        );
      }
      await this.recordSignIn(
        kind,
        subject,
        ip,
        '4',
        account ? 'wrong secret' : 'unknown account',
        'login',
        account,
      );
      return { ok: false, reason: 'invalid' };
    }
    await this.dataSource.query(
      `UPDATE ${table} SET failed_attempts = 0, locked_until = NULL WHERE ${key} = $1`,
      [subject],
    );
    await this.recordSignIn(kind, subject, ip, '0', undefined, 'login', account);
    return { ok: true, token: await this.issue(kind, account, withRefresh) };
  }

  private async account(kind: Principal['kind'], subject: string): Promise<AccountRow | undefined> {
    const { table, key, hash, licensed } = ACCOUNT_TABLES[kind];
    const rows = await this.dataSource.query<AccountRow[]>(
      `SELECT ${key} AS subject, ${hash} AS hash, org_code, roles, ${licensed} AS licensed, locked_until FROM ${table} WHERE ${key} = $1 AND active`,
      [subject],
    );
    return rows[0];
  }

  /** Signs an access token; for a person also a refresh token, in the family of the one it replaces. */
  private async issue(
    kind: Principal['kind'],
    account: AccountRow,
    withRefresh = true,
    family: string = randomUUID(),
  ): Promise<TokenResponse> {
    const roles = account.roles.filter(isRole);
    const accessToken = await this.jwt.signAsync(
      { kind, org: account.org_code, roles, licensed: account.licensed },
      {
        subject: account.subject,
        expiresIn: this.config.JWT_TTL_SECONDS,
        algorithm: 'HS256',
        issuer: 'consortium-hub',
        jwtid: randomUUID(),
      },
    );
    const response: TokenResponse = {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: this.config.JWT_TTL_SECONDS,
      scope: roles.join(' '),
    };
    if (kind === 'user' && withRefresh) {
      const refreshToken = randomBytes(32).toString('base64url');
      await this.dataSource.query(
        `INSERT INTO gateway.refresh_token (token_hash, username, family, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
        [sha256(refreshToken), account.subject, family, this.config.REFRESH_TTL_SECONDS],
      );
      response.refresh_token = refreshToken;
    }
    return response;
  }

  private recordSignIn(
    kind: Principal['kind'],
    subject: string,
    ip: string | undefined,
    outcome: '0' | '4',
    outcomeDesc: string | undefined,
    subtype: 'login' | 'refresh',
    account?: AccountRow,
  ): Promise<void> {
    const agent: AuditAgent = {
      subject,
      kind,
      org: account?.org_code,
      roles: account?.roles ?? [],
      ip,
      purpose: 'HOPERAT',
    };
    return this.audit.record({ type: '110114', subtype, action: 'E', outcome, outcomeDesc, agent });
  }
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function isRole(value: string): value is Role {
  return (Roles as readonly string[]).includes(value);
}
