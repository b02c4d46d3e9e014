import { Controller, Get, Query } from '@nestjs/common';
import { z } from 'zod';
import { Centres } from '@hub/contracts';
import { parseBody } from '../http/parse-body';
import { CatalogueService } from './catalogue.service';

const catalogueQuery = z.strictObject({ centre: z.enum(Centres).optional() });

/**
 * `GET /api/catalogue[?centre=lab|imaging|ecg|pathology]`: the consortium catalogue for anyone
 * signed in (a clinic choosing what to order, a specialist or manager reading item names). No
 * patient data.
 */
@Controller('api/catalogue')
export class CatalogueController {
  constructor(private readonly catalogue: CatalogueService) {}

  @Get()
  list(@Query() query: Record<string, unknown>) {
    const { centre } = parseBody(catalogueQuery, query);
    return this.catalogue.list(centre);
  }
}
