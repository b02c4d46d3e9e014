import { Controller, Get } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource } from 'typeorm';
import { CurrentPrincipal } from './current-principal.decorator';
import { type Principal } from './principal';

/** Who the caller is, for the workbench's header: name, organisation, roles. */
export interface MeView {
  subject: string;
  kind: Principal['kind'];
  name: string;
  org: string;
  orgName?: string;
  orgNameEn?: string;
  roles: Principal['roles'];
  licensed: boolean;
}

/** `GET /api/me`: the signed-in person (or client) as the hub knows them. */
@Controller('api/me')
export class MeController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @Get()
  async me(@CurrentPrincipal() principal: Principal): Promise<MeView> {
    const [row] = await this.dataSource.query<
      Array<{ display_name: string | null; name: string | null; name_en: string | null }>
    >(
      `SELECT u.display_name, o.name, o.name_en
         FROM gateway.organization o
         LEFT JOIN gateway.app_user u ON u.username = $1 AND $3 = 'user'
        WHERE o.code = $2`,
      [principal.subject, principal.org, principal.kind],
    );
    return {
      subject: principal.subject,
      kind: principal.kind,
      name: row?.display_name ?? principal.subject,
      org: principal.org,
      ...(row?.name ? { orgName: row.name } : {}),
      ...(row?.name_en ? { orgNameEn: row.name_en } : {}),
      roles: principal.roles,
      licensed: principal.licensed,
    };
  }
}
