import { AuditService } from '../../../apps/gateway/src/audit/audit.service';
import { loadGatewayConfig } from '../../../apps/gateway/src/config';
import { type Hl7InboundService } from '../../../apps/gateway/src/hl7/hl7-inbound.service';
import { Hl7MessageLogService } from '../../../apps/gateway/src/hl7/hl7-message-log.service';
import { type GatewayFixture, gatewayFixture } from './gateway-fixture';

describe('HL7 message log retention (real PostgreSQL)', () => {
  let fx: GatewayFixture;
  let log: Hl7MessageLogService;
  const peer = `retention-test-${process.pid}`;

  beforeAll(async () => {
    fx = await gatewayFixture();
    const config = loadGatewayConfig({ HL7_LOG_RETENTION_DAYS: '30' });
    // Pruning needs no inbound handler.
    log = new Hl7MessageLogService(
      fx.dataSource,
      undefined as unknown as Hl7InboundService,
      new AuditService(fx.dataSource),
      fx.relay,
      config,
    );
  });

  afterAll(() => fx.close());

  const insert = (ageDays: number, replayOf?: string) =>
    fx.dataSource
      .query<Array<{ id: string }>>(
        `INSERT INTO gateway.hl7_message (direction, transport, peer, raw, status, received_at, replay_of)
         VALUES ('in', 'mllp', $1, '\\x4d5348', 'refused', now() - make_interval(days => $2), $3) RETURNING id`,
        [peer, ageDays, replayOf ?? null],
      )
      .then((rows) => rows[0].id);

  it('deletes what is older than the retention, keeps the rest and what a recent replay refers to', async () => {
    const old = await insert(45);
    const recent = await insert(5);
    const replayed = await insert(60);
    await insert(1, replayed);
    expect(await log.prune()).toBeGreaterThanOrEqual(1);
    const left = await fx.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM gateway.hl7_message WHERE peer = $1 ORDER BY id`,
      [peer],
    );
    const ids = left.map((r) => String(r.id));
    expect(ids).not.toContain(String(old));
    expect(ids).toContain(String(recent));
    expect(ids).toContain(String(replayed));
  });
});
