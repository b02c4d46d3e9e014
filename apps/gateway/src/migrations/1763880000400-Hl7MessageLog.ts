import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The HL7 v2 message log: every inbound and outbound message with its raw bytes, what it was,
 * what became of it and the ACK, linked to the orders and patient it touched.
 */
export class Hl7MessageLog1763880000400 implements MigrationInterface {
  name = 'Hl7MessageLog1763880000400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE gateway.hl7_message (
        id bigserial PRIMARY KEY,
        direction text NOT NULL CHECK (direction IN ('in', 'out')),
        transport text NOT NULL CHECK (transport IN ('mllp', 'http')),
        peer text NOT NULL,
        facility text,
        message_type text,
        control_id text,
        charset text,
        raw bytea NOT NULL,
        status text NOT NULL CHECK (status IN ('received', 'processed', 'refused', 'delivered', 'failed')),
        ack_code text,
        ack bytea,
        error text,
        order_ids text[] NOT NULL DEFAULT '{}',
        patient_id text,
        received_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        replay_of bigint REFERENCES gateway.hl7_message (id)
      )`);
    await q.query(`CREATE INDEX hl7_message_received_idx ON gateway.hl7_message (received_at)`);
    await q.query(
      `CREATE INDEX hl7_message_control_idx ON gateway.hl7_message (facility, control_id)`,
    );
    await q.query(
      `CREATE INDEX hl7_message_status_idx ON gateway.hl7_message (status, received_at)`,
    );
    await q.query(`CREATE INDEX hl7_message_patient_idx ON gateway.hl7_message (patient_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE gateway.hl7_message`);
  }
}
