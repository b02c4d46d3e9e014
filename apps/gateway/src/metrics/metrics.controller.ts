import { Controller, Get, Header } from '@nestjs/common';
import { RequireRoles } from '../auth/auth.guard';
import { MetricsService } from './metrics.service';

/** `GET /metrics` in Prometheus text format, for IT staff and their scraper (bearer token). */
@Controller('metrics')
@RequireRoles('it-ops', 'admin')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.text();
  }
}
