import { Controller, Get, Query } from '@nestjs/common';
import { RequireRoles } from '../auth/auth.guard';
import { figurePeriod } from './figure-period';
import { ManagementFiguresService } from './management-figures.service';

/**
 * The consortium's management figures (管理指标) for its managers and administrators:
 * `GET /api/management/figures?from=YYYY-MM&to=YYYY-MM` (China time months, the last twelve by
 * default): order volume per member, centre and month, and turnaround against the catalogue's
 * targets; and the consortium's organisations by name (`GET /api/management/organizations`) to
 * label them. Aggregates only, no patient data.
 */
@Controller('api/management')
@RequireRoles('manager', 'admin')
export class ManagementController {
  constructor(private readonly figuresService: ManagementFiguresService) {}

  @Get('figures')
  figures(@Query() query: Record<string, unknown>) {
    return this.figuresService.figures(figurePeriod(query));
  }

  @Get('organizations')
  organizations() {
    return this.figuresService.organizations();
  }
}
