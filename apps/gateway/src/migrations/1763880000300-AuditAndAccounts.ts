import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The audit trail (append-only: a trigger refuses UPDATE and DELETE, so no API or bug can edit
 * it), account lockout, licensed/trainee readers, and refresh tokens.
 */
export class AuditAndAccounts1763880000300 implements MigrationInterface {
  name = 'AuditAndAccounts1763880000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE gateway.audit_event (
        id bigserial PRIMARY KEY,
        recorded timestamptz NOT NULL DEFAULT now(),
        -- DICOM audit event type (e.g. 110110 Patient Record, 110114 User Authentication) or rest.
        type_code text NOT NULL,
        subtype text NOT NULL,
        -- FHIR AuditEvent.action: C R U D E.
        action char(1) NOT NULL CHECK (action IN ('C', 'R', 'U', 'D', 'E')),
        -- FHIR AuditEvent.outcome: 0 success, 4 minor failure, 8 serious failure.
        outcome char(1) NOT NULL CHECK (outcome IN ('0', '4', '8', '1')),
        outcome_desc text,
        agent_subject text NOT NULL,
        agent_kind text NOT NULL,
        agent_org text,
        agent_roles text[] NOT NULL DEFAULT '{}',
        source_ip text,
        purpose text,
        -- What was touched: [{ "type": "Patient", "id": "…" }, …]
        entities jsonb NOT NULL DEFAULT '[]',
        patient_ids text[] NOT NULL DEFAULT '{}',
        query text
      )`);
    await q.query(`CREATE INDEX audit_event_recorded_idx ON gateway.audit_event (recorded)`);
    await q.query(
      `CREATE INDEX audit_event_agent_idx ON gateway.audit_event (agent_subject, recorded)`,
    );
    await q.query(
      `CREATE INDEX audit_event_patient_idx ON gateway.audit_event USING gin (patient_ids)`,
    );
    await q.query(
      `CREATE INDEX audit_event_entities_idx ON gateway.audit_event USING gin (entities jsonb_path_ops)`,
    );
    await q.query(`
      CREATE FUNCTION gateway.audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_event is append-only: % is not allowed', TG_OP;
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON gateway.audit_event
      FOR EACH ROW EXECUTE FUNCTION gateway.audit_event_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON gateway.audit_event
      FOR EACH STATEMENT EXECUTE FUNCTION gateway.audit_event_append_only()`);

    for (const table of ['app_user', 'api_client']) {
      await q.query(
        `ALTER TABLE gateway.${table} ADD COLUMN failed_attempts int NOT NULL DEFAULT 0`,
      );
      await q.query(`ALTER TABLE gateway.${table} ADD COLUMN locked_until timestamptz`);
    }
    // A trainee's report must be confirmed by a licensed senior (the reading issues enforce it).
    await q.query(`ALTER TABLE gateway.app_user ADD COLUMN licensed boolean NOT NULL DEFAULT true`);
    await q.query(`
      CREATE TABLE gateway.refresh_token (
        token_hash text PRIMARY KEY,
        username text NOT NULL REFERENCES gateway.app_user (username),
        family uuid NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX refresh_token_family_idx ON gateway.refresh_token (family)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE gateway.refresh_token`);
    await q.query(`ALTER TABLE gateway.app_user DROP COLUMN licensed`);
    for (const table of ['app_user', 'api_client']) {
      await q.query(`ALTER TABLE gateway.${table} DROP COLUMN locked_until`);
      await q.query(`ALTER TABLE gateway.${table} DROP COLUMN failed_attempts`);
    }
    await q.query(`DROP TABLE gateway.audit_event`);
    await q.query(`DROP FUNCTION gateway.audit_event_append_only()`);
  }
}
