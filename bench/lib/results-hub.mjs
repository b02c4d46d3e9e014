// The result-to-clinic benchmark's set-up on the hub, none of it timed: the clinic's delivery
// endpoint (a row in gateway.delivery_endpoint, as an administrator configures it and as the e2e
// specs do), the tokens of the demo clinic system and lab technician, the lab orders placed over
// MLLP and waited on until the lab expects their specimens, and the specimens collected, shipped
// in boxes and received at the lab, through the gateway's lab API as a clinic and a lab do.
import pg from 'pg';

/** The demo clinic system and the lab technician the set-up is done as. */
const CLINIC = { client_id: 'clinic-a', client_secret: 'clinic-a-secret' };
const LAB_TECH = { username: 'labtech', password: 'demo-password' };
/**
 * Specimens per box (the lab API takes at most 1000). Small enough that the lab answers a box
 * within the gateway's 5 s deadline for a centre's reply on a busy machine: 500 did not.
 */
const BOX_SIZE = 100;
const POLL_MS = 250;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const oneLine = (text, max = 300) => text.replace(/\s+/g, ' ').slice(0, max);

async function withClient(url, work) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** CLINIC-A takes its reports over MLLP (UTF-8) at 127.0.0.1:`port`. */
export function setClinicEndpoint(databaseUrl, port) {
  return withClient(databaseUrl, (client) =>
    client.query(
      `INSERT INTO gateway.delivery_endpoint (org_code, kind, host, port, charset)
       VALUES ('CLINIC-A', 'mllp', '127.0.0.1', $1, 'UNICODE UTF-8')`,
      [port],
    ),
  );
}

/** Bearer tokens from the gateway: `clinic` (client credentials) and `lab` (the technician's login). */
export async function hubTokens(gateway) {
  const token = async (url, init, who) => {
    const response = await fetch(url, init);
    const body = await response.json().catch(() => ({}));
    if (response.status !== 200 || !body.access_token)
      throw new Error(
        `the gateway gave no token for ${who}: HTTP ${response.status} ${JSON.stringify(body)}`,
      );
    return `Bearer ${body.access_token}`;
  };
  return {
    clinic: await token(
      `${gateway}/auth/token`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', ...CLINIC }),
      },
      CLINIC.client_id,
    ),
    lab: await token(
      `${gateway}/auth/login`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(LAB_TECH),
      },
      LAB_TECH.username,
    ),
  };
}

/**
 * The orders stored under placer prefix `prefix` with their hub order number (OBR-3 of the
 * analyser's ORU) and the accession number of the specimen the lab expects, once the lab has a
 * specimen for each of `expected` orders (else an error after `timeoutMs`).
 */
export async function labOrders(databaseUrl, prefix, expected, timeoutMs = 120_000) {
  return withClient(databaseUrl, async (client) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await client.query(
        `SELECT o.order_id AS "orderId", o.order_number AS filler, o.placer_value AS placer,
                s.accession
           FROM gateway.service_order o
           JOIN lab.specimen s ON s.order_id = o.order_id
          WHERE o.placer_value LIKE $1
          ORDER BY o.placer_value`,
        [`${prefix}%`],
      );
      if (rows.length >= expected) return rows;
      if (Date.now() > deadline)
        throw new Error(
          `the lab expects specimens for ${rows.length} of ${expected} orders after ${timeoutMs / 1000} s`,
        );
      await sleep(POLL_MS);
    }
  });
}

/**
 * The clinic records the collection of `accessions` 20 minutes ago and ships them in boxes of 100
 * five minutes later (POST /api/lab/batches); the lab receives each box now
 * (POST /api/lab/batches/{id}/receipt). Throws unless every specimen is received.
 */
export async function shipAndReceive(gateway, tokens, accessions, batchPrefix) {
  const collectedAt = new Date(Date.now() - 20 * 60_000);
  for (let first = 0; first < accessions.length; first += BOX_SIZE) {
    const box = accessions.slice(first, first + BOX_SIZE);
    const batchId = `${batchPrefix}-${first / BOX_SIZE + 1}`;
    const call = async (token, path, body) => {
      const response = await fetch(`${gateway}${path}`, {
        method: 'POST',
        headers: { authorization: token, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      if (response.status >= 300)
        throw new Error(`POST ${path}: HTTP ${response.status} ${oneLine(text)}`);
      return JSON.parse(text);
    };
    await call(tokens.clinic, '/api/lab/batches', {
      batchId,
      courier: '顺丰 courier 王师傅',
      departedAt: new Date(collectedAt.getTime() + 5 * 60_000).toISOString(),
      specimens: box.map((accession) => ({
        accession,
        collectedAt: collectedAt.toISOString(),
        collector: '护士 李 nurse Li',
      })),
    });
    const received = await call(tokens.lab, `/api/lab/batches/${batchId}/receipt`, {});
    const refused = received.filter((specimen) => specimen.status !== 'received');
    if (refused.length)
      throw new Error(
        `the lab did not receive ${refused.length} specimens of box ${batchId}, e.g. ${JSON.stringify(refused[0])}`,
      );
  }
}

/**
 * Where the results for `orderIds` are in the hub's pipeline (for a run that ended before all were
 * delivered): reports the lab released, final DiagnosticReports in the gateway's FHIR record, and
 * ORU^R01 the gateway logged as delivered.
 */
export function pipelineCounts(databaseUrl, orderIds) {
  return withClient(databaseUrl, async (client) => {
    const one = async (sql, values) => (await client.query(sql, values)).rows[0].n;
    return {
      released: await one(
        `SELECT count(DISTINCT order_id)::int AS n FROM lab.report WHERE order_id = ANY($1) AND status = 'final'`,
        [orderIds],
      ),
      stored: await one(
        `SELECT count(*)::int AS n FROM gateway.fhir_resource
          WHERE resource_type = 'DiagnosticReport' AND content->>'status' = 'final'
            AND content->'basedOn'->0->>'reference' = ANY($1)`,
        [orderIds.map((id) => `ServiceRequest/${id}`)],
      ),
      delivered: await one(
        `SELECT count(DISTINCT order_ids)::int AS n FROM gateway.hl7_message
          WHERE direction = 'out' AND status = 'delivered' AND order_ids && $1::text[]`,
        [orderIds],
      ),
    };
  });
}
