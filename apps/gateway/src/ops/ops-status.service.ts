import { Injectable } from '@nestjs/common';
import { type Centre } from '@hub/contracts';
import { type HealthStatus } from '@hub/platform';
import { HubProbesService } from '../health/hub-probes.service';
import { HubQueuesService, type QueueCounts } from './hub-queues.service';

export type OverallStatus = 'up' | 'degraded' | 'down';

/** The hub at a glance for IT operations (`GET /api/ops/status`). */
export interface OpsStatus {
  checkedAt: string;
  status: OverallStatus;
  database: HealthStatus;
  redis: HealthStatus;
  apps: Array<{ name: 'gateway' | Centre; status: HealthStatus }>;
  queues: QueueCounts[];
}

/**
 * The hub is down without its database or Redis (no order is taken or routed), degraded while a
 * centre does not answer (its work waits in its queue), up otherwise. Failed or paused jobs do
 * not change it: they are listed per queue.
 */
export function overallStatus(
  database: HealthStatus,
  redis: HealthStatus,
  apps: ReadonlyArray<{ status: HealthStatus }>,
): OverallStatus {
  if (database === 'down' || redis === 'down') return 'down';
  return apps.every((app) => app.status === 'up') ? 'up' : 'degraded';
}

/** The probes of `GET /health` (HubProbesService) and the job counts of every queue of the hub. */
@Injectable()
export class OpsStatusService {
  constructor(
    private readonly probes: HubProbesService,
    private readonly queues: HubQueuesService,
  ) {}

  async status(): Promise<OpsStatus> {
    const [{ database, redis, centres }, queues] = await Promise.all([
      this.probes.probeAll(),
      this.queues.counts(),
    ]);
    // The gateway answers this request, so it is up.
    const apps: OpsStatus['apps'] = [{ name: 'gateway', status: 'up' }, ...centres];
    return {
      checkedAt: new Date().toISOString(),
      status: overallStatus(database, redis, apps),
      database,
      redis,
      apps,
      queues,
    };
  }
}
