import { type MigrationInterface, type QueryRunner } from 'typeorm';
import { createOutboxTable } from '@hub/persistence';

/**
 * The consortium record: FHIR resources (current version + history) with their search index, the
 * consortium's organisations and catalogue, the order table that carries placer idempotency,
 * patients' identifiers, API clients and users, and the outbox.
 */
export class GatewayInit1763880000000 implements MigrationInterface {
  name = 'GatewayInit1763880000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE gateway.fhir_resource (
        resource_type text NOT NULL,
        id text NOT NULL,
        version_id int NOT NULL,
        last_updated timestamptz NOT NULL,
        content jsonb NOT NULL,
        -- Organisation codes whose data this is (tenant filter, applied in SQL).
        owner_orgs text[] NOT NULL DEFAULT '{}',
        PRIMARY KEY (resource_type, id)
      )`);
    await q.query(
      `CREATE INDEX fhir_resource_updated_idx ON gateway.fhir_resource (resource_type, last_updated)`,
    );
    await q.query(
      `CREATE INDEX fhir_resource_owner_idx ON gateway.fhir_resource USING gin (owner_orgs)`,
    );
    await q.query(`
      CREATE TABLE gateway.fhir_resource_history (
        resource_type text NOT NULL,
        id text NOT NULL,
        version_id int NOT NULL,
        last_updated timestamptz NOT NULL,
        content jsonb NOT NULL,
        PRIMARY KEY (resource_type, id, version_id)
      )`);
    await q.query(`
      CREATE TABLE gateway.fhir_search_token (
        resource_type text NOT NULL,
        resource_id text NOT NULL,
        param text NOT NULL,
        system text,
        value text NOT NULL
      )`);
    await q.query(
      `CREATE INDEX fhir_search_token_lookup_idx ON gateway.fhir_search_token (resource_type, param, value, system)`,
    );
    await q.query(
      `CREATE INDEX fhir_search_token_resource_idx ON gateway.fhir_search_token (resource_type, resource_id)`,
    );
    await q.query(`
      CREATE TABLE gateway.fhir_search_reference (
        resource_type text NOT NULL,
        resource_id text NOT NULL,
        param text NOT NULL,
        target_type text NOT NULL,
        target_id text NOT NULL
      )`);
    await q.query(
      `CREATE INDEX fhir_search_reference_lookup_idx ON gateway.fhir_search_reference (resource_type, param, target_id, target_type)`,
    );
    await q.query(
      `CREATE INDEX fhir_search_reference_resource_idx ON gateway.fhir_search_reference (resource_type, resource_id)`,
    );
    await q.query(`
      CREATE TABLE gateway.fhir_search_date (
        resource_type text NOT NULL,
        resource_id text NOT NULL,
        param text NOT NULL,
        low timestamptz NOT NULL,
        high timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE INDEX fhir_search_date_lookup_idx ON gateway.fhir_search_date (resource_type, param, low, high)`,
    );
    await q.query(
      `CREATE INDEX fhir_search_date_resource_idx ON gateway.fhir_search_date (resource_type, resource_id)`,
    );
    await q.query(`
      CREATE TABLE gateway.fhir_search_string (
        resource_type text NOT NULL,
        resource_id text NOT NULL,
        param text NOT NULL,
        value text NOT NULL
      )`);
    await q.query(
      `CREATE INDEX fhir_search_string_lookup_idx ON gateway.fhir_search_string (resource_type, param, value text_pattern_ops)`,
    );
    await q.query(
      `CREATE INDEX fhir_search_string_resource_idx ON gateway.fhir_search_string (resource_type, resource_id)`,
    );

    await q.query(`
      CREATE TABLE gateway.organization (
        code text PRIMARY KEY,
        resource_id text NOT NULL UNIQUE,
        name text NOT NULL,
        name_en text NOT NULL,
        kind text NOT NULL,
        part_of text REFERENCES gateway.organization (code),
        centre text UNIQUE
      )`);
    await q.query(`
      CREATE TABLE gateway.catalogue_item (
        system text NOT NULL,
        code text NOT NULL,
        display text NOT NULL,
        display_zh text NOT NULL,
        centre text NOT NULL,
        price numeric(10, 2) NOT NULL,
        turnaround_minutes jsonb NOT NULL,
        members jsonb,
        active boolean NOT NULL DEFAULT true,
        PRIMARY KEY (system, code)
      )`);
    await q.query(`
      CREATE TABLE gateway.patient_identifier (
        system text NOT NULL,
        value text NOT NULL,
        patient_id text NOT NULL,
        PRIMARY KEY (system, value)
      )`);
    await q.query(
      `CREATE INDEX patient_identifier_patient_idx ON gateway.patient_identifier (patient_id)`,
    );
    await q.query(`CREATE SEQUENCE gateway.order_number_seq`);
    await q.query(`
      CREATE TABLE gateway.service_order (
        order_id text PRIMARY KEY,
        order_number text NOT NULL UNIQUE,
        task_id text NOT NULL UNIQUE,
        requester_org text NOT NULL REFERENCES gateway.organization (code),
        placer_system text NOT NULL,
        placer_value text NOT NULL,
        patient_id text NOT NULL,
        centre text NOT NULL,
        code_system text NOT NULL,
        code text NOT NULL,
        priority text NOT NULL,
        status text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT service_order_placer_unique UNIQUE (requester_org, placer_system, placer_value)
      )`);
    await q.query(
      `CREATE INDEX service_order_status_idx ON gateway.service_order (centre, status)`,
    );
    await q.query(`
      CREATE TABLE gateway.api_client (
        client_id text PRIMARY KEY,
        secret_hash text NOT NULL,
        org_code text NOT NULL REFERENCES gateway.organization (code),
        roles text[] NOT NULL,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE gateway.app_user (
        username text PRIMARY KEY,
        password_hash text NOT NULL,
        display_name text NOT NULL,
        org_code text NOT NULL REFERENCES gateway.organization (code),
        roles text[] NOT NULL,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await createOutboxTable(q, 'gateway');
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'outbox',
      'app_user',
      'api_client',
      'service_order',
      'patient_identifier',
      'catalogue_item',
      'organization',
      'fhir_search_string',
      'fhir_search_date',
      'fhir_search_reference',
      'fhir_search_token',
      'fhir_resource_history',
      'fhir_resource',
    ]) {
      await q.query(`DROP TABLE gateway.${table}`);
    }
    await q.query(`DROP SEQUENCE gateway.order_number_seq`);
  }
}
