import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Where each member wants its reports: its MLLP endpoint (with character set), its FHIR server
 * (with OAuth2 client credentials; the secret itself stays in the environment, named here), or
 * nowhere (it reads them over the hub's FHIR API).
 */
export class DeliveryEndpoints1763880000600 implements MigrationInterface {
  name = 'DeliveryEndpoints1763880000600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE gateway.delivery_endpoint (
        org_code text PRIMARY KEY REFERENCES gateway.organization (code),
        kind text NOT NULL CHECK (kind IN ('mllp', 'fhir', 'none')),
        host text,
        port int CHECK (port BETWEEN 1 AND 65535),
        charset text NOT NULL DEFAULT 'UNICODE UTF-8',
        fhir_base_url text,
        token_url text,
        client_id text,
        -- The name of the environment variable that holds the client secret, never the secret.
        client_secret_env text,
        active boolean NOT NULL DEFAULT true,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (kind <> 'mllp' OR (host IS NOT NULL AND port IS NOT NULL)),
        CHECK (kind <> 'fhir' OR fhir_base_url IS NOT NULL)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE gateway.delivery_endpoint`);
  }
}
