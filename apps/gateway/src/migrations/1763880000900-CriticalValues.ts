import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The critical-value (危急值) closed loop: one alert per critical finding of a released report
 * version, and its events (raised, escalated, acknowledged, acknowledgement refused), append-only
 * like the audit trail so the chain stays traceable.
 */
export class CriticalValues1763880000900 implements MigrationInterface {
  name = 'CriticalValues1763880000900';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE gateway.critical_alert (
        id uuid PRIMARY KEY,
        centre text NOT NULL CHECK (centre IN ('lab', 'imaging', 'ecg', 'pathology')),
        -- Organisation code of the centre that released the report (its staff see the alert).
        centre_org text NOT NULL,
        order_id text NOT NULL,
        report_id text NOT NULL,
        report_version int NOT NULL CHECK (report_version >= 1),
        -- Organisation code of the ordering member: the one that must acknowledge.
        requester_org text NOT NULL,
        owner_orgs text[] NOT NULL,
        patient_id text NOT NULL,
        code text NOT NULL,
        display text NOT NULL,
        display_zh text NOT NULL,
        value numeric,
        unit text,
        flag text CHECK (flag IN ('LL', 'HH')),
        finding_text text,
        observation_id text,
        -- The alert's first FHIR Communication (escalations are parts of it).
        communication_id text NOT NULL,
        reported_by text NOT NULL,
        reported_at timestamptz NOT NULL,
        raised_at timestamptz NOT NULL DEFAULT now(),
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged')),
        escalation_level int NOT NULL DEFAULT 0 CHECK (escalation_level >= 0),
        acknowledged_by text,
        acknowledged_org text,
        acknowledged_at timestamptz,
        read_back text,
        UNIQUE (report_id, report_version, code),
        CHECK ((status = 'acknowledged') = (acknowledged_at IS NOT NULL AND acknowledged_by IS NOT NULL
          AND acknowledged_org IS NOT NULL AND read_back IS NOT NULL))
      )`);
    await q.query(
      `CREATE INDEX critical_alert_requester_idx ON gateway.critical_alert (requester_org, status, reported_at)`,
    );
    await q.query(
      `CREATE INDEX critical_alert_centre_idx ON gateway.critical_alert (centre_org, status, reported_at)`,
    );
    await q.query(
      `CREATE INDEX critical_alert_reported_idx ON gateway.critical_alert (reported_at)`,
    );
    await q.query(`
      CREATE TABLE gateway.critical_alert_event (
        id bigserial PRIMARY KEY,
        alert_id uuid NOT NULL REFERENCES gateway.critical_alert (id),
        kind text NOT NULL CHECK (kind IN ('raised', 'escalated', 'acknowledged', 'acknowledgement-refused')),
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        -- Who acted: the releasing user (raised), the hub (escalated), the acknowledging person.
        actor text NOT NULL,
        -- The account that recorded it, when not the actor (a clinic system client).
        actor_account text,
        actor_org text,
        level int,
        -- Who was told: [{ "role", "org", "name", "phone" }].
        notified jsonb NOT NULL DEFAULT '[]',
        communication_id text,
        read_back text,
        detail text
      )`);
    await q.query(
      `CREATE INDEX critical_alert_event_alert_idx ON gateway.critical_alert_event (alert_id, id)`,
    );
    await q.query(`
      CREATE FUNCTION gateway.critical_alert_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'critical_alert_event is append-only: % is not allowed', TG_OP;
      END $$`);
    await q.query(`
      CREATE TRIGGER critical_alert_event_no_change BEFORE UPDATE OR DELETE ON gateway.critical_alert_event
      FOR EACH ROW EXECUTE FUNCTION gateway.critical_alert_event_append_only()`);
    await q.query(`
      CREATE TRIGGER critical_alert_event_no_truncate BEFORE TRUNCATE ON gateway.critical_alert_event
      FOR EACH STATEMENT EXECUTE FUNCTION gateway.critical_alert_event_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE gateway.critical_alert_event`);
    await q.query(`DROP FUNCTION gateway.critical_alert_event_append_only()`);
    await q.query(`DROP TABLE gateway.critical_alert`);
  }
}
