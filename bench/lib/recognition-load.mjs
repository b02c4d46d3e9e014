// The recognition benchmark's load: the mix of checks (drawn from the generated data), N clients
// posting them over keep-alive HTTP, the same prior-report query run directly with `pg` (the SQL
// baseline), and the query's plan.
import http from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { residentId } from './orders.mjs';
import { MRN_SYSTEM, PANEL, RESIDENT_ID_SYSTEM, SINGLES } from './recognition-data.mjs';

export const CHECK_PATH = '/fhir/ServiceRequest/$recognition-check';
const LOINC = 'http://loinc.org';
/** A pathology item: not recognized (a conclusion), answered without reading any report. */
const NOT_RECOGNIZED = { system: 'urn:hub:catalogue', code: 'PATH-HISTO' };
/** Items asked about: those generated, and sodium, recognized but never generated (no prior). */
const CODES = [PANEL, ...SINGLES, '2951-2'].map((code) => ({ system: LOINC, code }));
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The prior-report query of RecognitionService.priorReports ($1 patient id, $2 system, $3 code),
 * taken from the compiled gateway so the baseline is always the query the service runs.
 */
export const PRIOR_REPORTS_SQL = createRequire(import.meta.url)(
  fileURLToPath(
    new URL('../../dist/apps/gateway/src/recognition/recognition.service.js', import.meta.url),
  ),
).PRIOR_REPORTS_SQL;

/** A small seeded PRNG (mulberry32), so a run's mix can be told and repeated. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * What the mix draws from, read from the generated data: patients with a report observed in the
 * last 6 days (inside every item's window) with that item, and patients at random (their
 * 居民身份证号 or MRN, as patient_identifier holds them).
 */
export async function samplePools(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: recent } = await client.query(
      `SELECT s.target_id AS patient_id, t.value AS code,
              (SELECT value FROM gateway.patient_identifier i
                WHERE i.patient_id = s.target_id AND i.system = $1) AS resident_id
         FROM gateway.fhir_search_date d
         JOIN gateway.fhir_search_reference s
           ON s.resource_type = d.resource_type AND s.resource_id = d.resource_id AND s.param = 'subject'
         JOIN gateway.fhir_search_token t
           ON t.resource_type = d.resource_type AND t.resource_id = d.resource_id AND t.param = 'code'
        WHERE d.resource_type = 'DiagnosticReport' AND d.param = 'date'
          AND d.low > now() - interval '6 days'
        ORDER BY md5(d.resource_id) LIMIT 5000`,
      [RESIDENT_ID_SYSTEM],
    );
    const { rows: known } = await client.query(
      `SELECT system, value, patient_id FROM gateway.patient_identifier TABLESAMPLE SYSTEM (1)
        REPEATABLE (7) WHERE system IN ($1, $2) LIMIT 20000`,
      [RESIDENT_ID_SYSTEM, MRN_SYSTEM],
    );
    return { recent, known };
  } finally {
    await client.end();
  }
}

/**
 * `count` checks drawn with `seed`: 30 % a patient with a recent result of an item, asked about it
 * and 0–2 other items; 50 % a patient at random, 1–3 items; 10 % a patient nobody knows (a valid
 * 居民身份证号 of another area), 1–3 items; 10 % a patient at random asked about a pathology item
 * (not recognized) and 0–1 other. Each check carries the prior-report queries the hub will run for
 * it (known patient, recognized item), for the SQL baseline.
 */
export function planChecks(pools, count, seed) {
  const next = random(seed);
  const pick = (list) => list[Math.floor(next() * list.length)];
  const someCodes = (n, first = []) => {
    const codes = [...first];
    while (codes.length < n + first.length) {
      const code = pick(CODES);
      if (!codes.some((c) => c.code === code.code)) codes.push(code);
    }
    return codes;
  };
  const checks = [];
  for (let i = 0; i < count; i++) {
    const kind = next();
    let identifier, patientId, codes, label;
    if (kind < 0.3 && pools.recent.length) {
      const row = pick(pools.recent);
      identifier = { system: RESIDENT_ID_SYSTEM, value: row.resident_id };
      patientId = row.patient_id;
      codes = someCodes(Math.floor(next() * 3), [{ system: LOINC, code: row.code }]);
      label = 'recent';
    } else if (kind < 0.8 || kind >= 0.9) {
      const row = pick(pools.known);
      identifier = { system: row.system, value: row.value };
      patientId = row.patient_id;
      codes =
        kind >= 0.9
          ? someCodes(Math.floor(next() * 2), [NOT_RECOGNIZED])
          : someCodes(1 + Math.floor(next() * 3));
      label = kind >= 0.9 ? 'not-recognized' : 'random';
    } else {
      // Area 110101 is none of the generated patients' areas: nobody has this number.
      identifier = { system: RESIDENT_ID_SYSTEM, value: residentId(seed * 1000 + i) };
      codes = someCodes(1 + Math.floor(next() * 3));
      label = 'unknown';
    }
    checks.push({
      label,
      codes,
      body: JSON.stringify({
        resourceType: 'Parameters',
        parameter: [
          { name: 'patient', valueIdentifier: identifier },
          ...codes.map((valueCoding) => ({ name: 'code', valueCoding })),
        ],
      }),
      queries: patientId
        ? codes
            .filter((c) => c.code !== NOT_RECOGNIZED.code)
            .map((c) => [patientId, c.system, c.code])
        : [],
    });
  }
  return checks;
}

/** What each result of a check answer says: `recognized`, or the first reason's code. */
export function outcomesOf(check, answer) {
  if (answer?.resourceType !== 'Parameters') return { error: 'the answer is no Parameters' };
  const results = (answer.parameter ?? []).filter((p) => p.name === 'result');
  if (results.length !== check.codes.length)
    return { error: `${results.length} results for ${check.codes.length} codes` };
  const outcomes = [];
  for (const result of results) {
    const part = (name) => result.part?.filter((p) => p.name === name) ?? [];
    const recognized = part('recognized')[0]?.valueBoolean;
    if (recognized === true) outcomes.push('recognized');
    else if (recognized === false)
      outcomes.push(part('reason')[0]?.valueCodeableConcept?.coding?.[0]?.code ?? 'no reason');
    else return { error: 'a result without "recognized"' };
  }
  return { outcomes };
}

function post(agent, port, path, headers, body) {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        timeout: REQUEST_TIMEOUT_MS,
      },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode, text: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () =>
      request.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)),
    );
    request.on('error', reject);
    request.end(body);
  });
}

const oneLine = (text, max = 200) => text.replace(/\s+/g, ' ').slice(0, max);

/** An empty phase result. */
function phaseResult() {
  return { requests: 0, ok: 0, errors: 0, latencies: [], problems: new Map(), outcomes: new Map() };
}

function problem(result, text) {
  result.errors++;
  result.problems.set(text, (result.problems.get(text) ?? 0) + 1);
}

/**
 * Posts every check to `port` from `clients` clients (each sends one, waits for the whole answer,
 * then takes the next; keep-alive connections). `judge(check, status, text)` returns
 * `{ outcomes }` or `{ error }`. Latency: from sending to having read the whole answer.
 */
export async function runChecks({ port, checks, clients, headers, judge, signal }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const result = phaseResult();
  let next = 0;
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: Math.min(clients, checks.length) }, async () => {
        while (next < checks.length && !signal?.aborted) {
          const check = checks[next++];
          result.requests++;
          const sentAt = performance.now();
          try {
            const { status, text } = await post(agent, port, CHECK_PATH, headers, check.body);
            result.latencies.push(performance.now() - sentAt);
            const verdict = judge(check, status, text);
            if (verdict.error) {
              problem(result, verdict.error);
              continue;
            }
            result.ok++;
            for (const outcome of verdict.outcomes ?? [])
              result.outcomes.set(outcome, (result.outcomes.get(outcome) ?? 0) + 1);
          } catch (error) {
            if (signal?.aborted) break;
            problem(result, error.message);
          }
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  result.elapsedMs = performance.now() - started;
  return result;
}

/** The hub's answer judged: 200 with a Parameters of one result per code. */
export function judgeHub(check, status, text) {
  if (status !== 200) return { error: `HTTP ${status}: ${oneLine(text)}` };
  try {
    return outcomesOf(check, JSON.parse(text));
  } catch {
    return { error: `HTTP 200 with no JSON: ${oneLine(text, 100)}` };
  }
}

/** The echo server's answer judged: 200 with the request body back. */
export function judgeEcho(check, status, text) {
  if (status !== 200) return { error: `HTTP ${status}: ${oneLine(text)}` };
  return text === check.body ? {} : { error: 'the echo differs from the request' };
}

/**
 * The SQL baseline: every prior-report query of `checks` (PRIOR_REPORTS_SQL with the parameters
 * the hub uses), `clients` connections each running one at a time. Latency per query, from
 * sending it to having all its rows.
 */
export async function runPriorQueries({ url, checks, clients, signal }) {
  const queries = checks.flatMap((check) => check.queries);
  const result = phaseResult();
  const connections = [];
  let next = 0;
  let rows = 0;
  try {
    for (let i = 0; i < Math.min(clients, queries.length); i++) {
      const client = new pg.Client({
        connectionString: url,
        application_name: 'bench-recognition',
      });
      connections.push(client);
      await client.connect();
    }
    const started = performance.now();
    await Promise.all(
      connections.map(async (client) => {
        while (next < queries.length && !signal?.aborted) {
          const values = queries[next++];
          result.requests++;
          const sentAt = performance.now();
          try {
            const answer = await client.query({ text: PRIOR_REPORTS_SQL, values });
            result.latencies.push(performance.now() - sentAt);
            rows += answer.rowCount;
            result.ok++;
          } catch (error) {
            problem(result, error.message);
          }
        }
      }),
    );
    result.elapsedMs = performance.now() - started;
  } finally {
    await Promise.all(connections.map((client) => client.end().catch(() => undefined)));
  }
  result.rows = rows;
  return result;
}

/** EXPLAIN (ANALYZE, BUFFERS) of the prior-report query for one patient and item: the plan lines. */
export async function explainPriorQuery(url, [patientId, system, code]) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query({
      text: `EXPLAIN (ANALYZE, BUFFERS) ${PRIOR_REPORTS_SQL}`,
      values: [patientId, system, code],
    });
    return rows.map((row) => row['QUERY PLAN']);
  } finally {
    await client.end();
  }
}
