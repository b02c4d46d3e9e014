// The recognition benchmark's data, generated inside PostgreSQL (INSERT … SELECT over
// generate_series, in batches on two connections): patients registered by CLINIC-A (a 居民身份证号
// and an MRN each) and the consortium lab's final reports of them, each a DiagnosticReport with its
// Observations (a CBC panel has three, the single analytes one), observed over the last two years.
// Every row is the one the gateway writes for such a patient or report (FhirStore.create,
// PatientService.createOrLink, ResultIntakeService.storeReport): the resource with its meta, the
// version in fhir_resource_history, the rows of the four search-index tables its search parameters
// extract, and the patient's rows in patient_identifier. The orders and specimens the reports name
// are not generated (the check never reads them), nor the audit rows of the writes.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { distOf } from '../../scripts/lib/apps.mjs';

const require = createRequire(import.meta.url);

export const RESIDENT_ID_SYSTEM = 'urn:oid:2.16.156.10011.1.3';
export const MRN_SYSTEM = 'urn:hub:mrn:CLINIC-A';
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const SERVICE_SECTION = 'http://terminology.hl7.org/CodeSystem/v2-0074';
const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
const HUB_ORGANIZATION = 'urn:hub:organization';
const REPORT_VERSION_URL = 'urn:hub:extension:report-version';
const OWNERS = '{CLINIC-A,LAB}';
/** What the lab writes as the verifier of a report a physician released. */
const INTERPRETER = 'labdoc (审核 verified)';

/** The single-analyte items of the reports; every 8 reports: 6 CBC panels and 2 of these. */
export const PANEL = '58410-2';
export const SINGLES = ['2823-3', '2345-7', '4548-4', '2160-0', '1742-6'];
const CYCLE = 8;
const PANELS_PER_CYCLE = 6;
/** Results are observed over this many days before the generation. */
export const SPREAD_DAYS = 730;
/** Area codes of real counties (GB/T 2260), as the e2e factories use. */
const AREAS = ['110105', '310104', '330106', '420106', '440305', '510107', '610113', '650102'];
/** Birth dates run over this many days from 1940-01-01 (to 2008): every patient is an adult. */
const BIRTH_DAYS = 25_000;
const SURNAMES = [
  '王',
  '李',
  '张',
  '刘',
  '陈',
  '杨',
  '赵',
  '黄',
  '周',
  '吴',
  '徐',
  '孙',
  '胡',
  '朱',
];
const GIVEN = [
  '伟',
  '芳',
  '娜',
  '敏',
  '静',
  '秀英',
  '丽',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '艳',
  '杰',
];

/** The database comment that marks a complete generation, followed by its JSON. */
const MARKER = 'bench-recognition ';
const PATIENTS_PER_BATCH = 50_000;
const REPORTS_PER_BATCH = 40_000;
const WORKERS = 2;
/** The gateway tables the generation writes; their secondary indexes are rebuilt after the load. */
export const TABLES = [
  'fhir_resource',
  'fhir_resource_history',
  'fhir_search_token',
  'fhir_search_reference',
  'fhir_search_date',
  'fhir_search_string',
  'patient_identifier',
];

export const consortiumLibFile = () => distOf('libs', 'consortium', 'src', 'index.js');

/** How many reports carry at least `observations` Observations with the 6 + 2 cycle above. */
export function reportsFor(observations) {
  const perCycle = PANELS_PER_CYCLE * 3 + (CYCLE - PANELS_PER_CYCLE);
  let reports = Math.floor(observations / perCycle) * CYCLE;
  let count = (reports / CYCLE) * perCycle;
  while (count < observations) count += reports++ % CYCLE < PANELS_PER_CYCLE ? 3 : 1;
  return reports;
}

/**
 * The report items and their analytes as the lab reports them: display texts from the demo
 * catalogue, unit and the adult reference range per sex from the demo lab (dist/libs/consortium).
 */
export function reportItems() {
  const { demoCatalogue, demoAnalytes, demoRecognitionRules, applicable } = require(
    consortiumLibFile(),
  );
  const adultDays = 40 * 365;
  return [PANEL, ...SINGLES].map((code, index) => {
    const item = demoCatalogue.find((i) => i.system === LOINC && i.code === code);
    const rule = demoRecognitionRules.find((r) => r.system === LOINC && r.code === code);
    if (!item || !rule) throw new Error(`the demo catalogue has no item ${code}`);
    const members = (item.members ?? [item.code]).map((memberCode, j) => {
      const analyte = demoAnalytes.find((a) => a.code === memberCode);
      const [male, female] = ['male', 'female'].map((sex) =>
        applicable(analyte?.ranges, sex, adultDays),
      );
      if (!analyte || [male, female].some((r) => r?.low === undefined || r?.high === undefined))
        throw new Error(`the demo lab has no adult reference range of ${memberCode}`);
      return {
        item: index,
        j,
        code: analyte.code,
        display: analyte.display,
        display_zh: analyte.displayZh,
        unit: analyte.unit,
        low_m: male.low,
        high_m: male.high,
        low_f: female.low,
        high_f: female.high,
        // One more decimal than the range's finest bound, as an analyser reports.
        decimals: Math.min(
          2,
          1 +
            Math.max(
              ...[male.low, male.high, female.low, female.high].map(
                (n) => String(n).split('.')[1]?.length ?? 0,
              ),
            ),
        ),
      };
    });
    return {
      item: index,
      code,
      display: item.display,
      display_zh: item.displayZh,
      validity_days: rule.validityDays,
      recognized: rule.recognized,
      members,
    };
  });
}

// --- SQL pieces -------------------------------------------------------------------------------

/** A random-looking (version 4 layout) UUID from the md5 hex `h`, as randomUUID() writes them. */
const uuidOf = (h) =>
  `(substr(${h},1,8)||'-'||substr(${h},9,4)||'-4'||substr(${h},14,3)||'-'||` +
  `substr('89ab',('x'||substr(${h},17,1))::bit(4)::int % 4 + 1,1)||substr(${h},18,3)||'-'||substr(${h},21,12))`;
/** A non-negative bigint from 15 hex digits of `h` starting at `from`. */
const hashOf = (h, from) => `('x'||substr(${h},${from},15))::bit(60)::bigint`;
/** An instant as JavaScript's toISOString() writes it. */
const iso = (t) => `to_char(${t} AT TIME ZONE 'UTC','YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const text = (value) => `'${String(value).replaceAll("'", "''")}'`;
const textArray = (values) => `ARRAY[${values.map(text).join(',')}]`;
/** Closes `WITH stored AS (INSERT INTO fhir_resource …` and writes the same rows as version 1. */
const RETURNING_INTO_HISTORY = `RETURNING resource_type, id, version_id, last_updated, content)
     INSERT INTO gateway.fhir_resource_history (resource_type, id, version_id, last_updated, content)
     SELECT * FROM stored`;

/** Temporary tables of a worker's session: the items, their analytes, the generation's constants. */
async function prepareSession(client, { items, performer, generatedAt, patients }) {
  await client.query(`SET synchronous_commit = off`);
  await client.query(`SET work_mem = '256MB'`);
  await client.query(
    `CREATE TEMP TABLE bench_item AS
       SELECT * FROM json_to_recordset($1::json)
         AS t(item int, code text, display text, display_zh text, recognized boolean)`,
    [JSON.stringify(items)],
  );
  await client.query(
    `CREATE TEMP TABLE bench_member AS
       SELECT * FROM json_to_recordset($1::json)
         AS t(item int, j int, code text, display text, display_zh text, unit text,
              low_m float8, high_m float8, low_f float8, high_f float8, decimals int)`,
    [JSON.stringify(items.flatMap((i) => i.members))],
  );
  await client.query(
    `CREATE TEMP TABLE bench_constant AS
       SELECT $1::jsonb AS performer, $2::timestamptz AS generated_at, $3::bigint AS patients`,
    [JSON.stringify(performer), generatedAt, patients],
  );
}

/** Patients [from, to): the resource and its version, index rows and identifiers. */
async function insertPatients(client, from, to, history) {
  await client.query(
    `CREATE TEMP TABLE bench_patient ON COMMIT DROP AS
     SELECT p, id, male, birth, body || substr('10X98765432',
              (SELECT sum(substr(body, i, 1)::int * (ARRAY[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2])[i])
                 FROM generate_series(1, 17) i)::int % 11 + 1, 1) AS resident_id,
            'M' || lpad(p::text, 9, '0') AS mrn, family, given,
            c.generated_at - interval '${SPREAD_DAYS + 30} days' + p * interval '1 millisecond' AS updated
       FROM bench_constant c, generate_series($1::bigint, $2::bigint - 1) p,
       LATERAL (SELECT md5('patient:' || p) AS h) h,
       LATERAL (SELECT ${uuidOf('h.h')} AS id, p % 2 = 1 AS male,
                       date '1940-01-01' + (p % ${BIRTH_DAYS})::int AS birth,
                       (${textArray(SURNAMES)})[p % ${SURNAMES.length} + 1] AS family,
                       (${textArray(GIVEN)})[(p / ${SURNAMES.length}) % ${GIVEN.length} + 1] AS given) x,
       LATERAL (SELECT (${textArray(AREAS)})[p % ${AREAS.length} + 1] || to_char(x.birth, 'YYYYMMDD')
                       || lpad(((p / ${BIRTH_DAYS}) * 2 + p % 2)::text, 3, '0') AS body) b`,
    [from, to],
  );
  await client.query(
    `${history ? 'WITH stored AS (' : ''}
       INSERT INTO gateway.fhir_resource (resource_type, id, version_id, last_updated, content, owner_orgs)
       SELECT 'Patient', id, 1, updated, jsonb_build_object(
                'resourceType', 'Patient', 'id', id,
                'meta', jsonb_build_object('versionId', '1', 'lastUpdated', ${iso('updated')}),
                'identifier', jsonb_build_array(
                  jsonb_build_object('system', ${text(RESIDENT_ID_SYSTEM)}, 'value', resident_id),
                  jsonb_build_object('system', ${text(MRN_SYSTEM)}, 'value', mrn)),
                'name', jsonb_build_array(jsonb_build_object(
                  'family', family, 'given', jsonb_build_array(given), 'text', family || given)),
                'gender', CASE WHEN male THEN 'male' ELSE 'female' END,
                'birthDate', to_char(birth, 'YYYY-MM-DD')), ${text(OWNERS)}
         FROM bench_patient
       ${history ? RETURNING_INTO_HISTORY : ''}`,
  );
  await client.query(
    `INSERT INTO gateway.fhir_search_token (resource_type, resource_id, param, system, value)
     SELECT 'Patient', id, t.param, t.system, t.value FROM bench_patient,
       LATERAL (VALUES ('_id', NULL, id), ('identifier', ${text(RESIDENT_ID_SYSTEM)}, resident_id),
                       ('identifier', ${text(MRN_SYSTEM)}, mrn),
                       ('gender', NULL, CASE WHEN male THEN 'male' ELSE 'female' END))
         AS t(param, system, value)`,
  );
  await client.query(
    `INSERT INTO gateway.fhir_search_date (resource_type, resource_id, param, low, high)
     SELECT 'Patient', id, 'birthdate', birth::timestamp AT TIME ZONE 'UTC',
            (birth + 1)::timestamp AT TIME ZONE 'UTC' - interval '1 millisecond'
       FROM bench_patient`,
  );
  // humanNames(): text, family, each given name, and family + given run together.
  await client.query(
    `INSERT INTO gateway.fhir_search_string (resource_type, resource_id, param, value)
     SELECT 'Patient', id, 'name', v FROM bench_patient,
       LATERAL (VALUES (family || given), (family), (given), (family || given)) AS n(v)`,
  );
  await client.query(
    `INSERT INTO gateway.patient_identifier (system, value, patient_id)
     SELECT ${text(RESIDENT_ID_SYSTEM)}, resident_id, id FROM bench_patient
     UNION ALL SELECT ${text(MRN_SYSTEM)}, mrn, id FROM bench_patient`,
  );
}

/** Reports [from, to) with their Observations: resources, versions and index rows. */
async function insertReports(client, from, to, history) {
  // Report k: the patient and the time observed from md5(k) (issued 1.5–3.5 h after, all before the
  // generation); the item from k's place in the cycle.
  await client.query(
    `CREATE TEMP TABLE bench_report ON COMMIT DROP AS
     SELECT k, ${uuidOf('h')} AS id, item, observed, observed + (90 + k % 120) * interval '1 minute' AS issued,
            ${uuidOf('hp')} AS patient_id, p % 2 = 1 AS male,
            ${uuidOf('ho')} AS order_id, ${uuidOf('hs')} AS specimen_id
       FROM bench_constant c, generate_series($1::bigint, $2::bigint - 1) k,
       LATERAL (SELECT md5('report:' || k) AS h, md5('order:' || k) AS ho, md5('specimen:' || k) AS hs) h,
       LATERAL (SELECT ${hashOf('h', 1)} % c.patients AS p,
                       c.generated_at - interval '4 hours' - (${hashOf('h', 16)} % ${SPREAD_DAYS * 86_400_000}::bigint) * interval '1 millisecond' AS observed,
                       CASE WHEN k % ${CYCLE} < ${PANELS_PER_CYCLE} THEN 0
                            ELSE 1 + ((k / ${CYCLE}) * 2 + k % ${CYCLE} - ${PANELS_PER_CYCLE}) % ${SINGLES.length} END AS item) x,
       LATERAL (SELECT md5('patient:' || x.p) AS hp) hp`,
    [from, to],
  );
  // Values around the range (10 % beyond either end at most; the critical limits are further).
  await client.query(
    `CREATE TEMP TABLE bench_observation ON COMMIT DROP AS
     SELECT r.k, m.j, ${uuidOf('h')} AS id, r.patient_id, r.order_id, r.observed, r.issued,
            r.issued + (20 + 3 * m.j) * interval '1 millisecond' AS updated,
            m.code, m.display, m.display_zh, m.unit, lo AS low, hi AS high, v AS value,
            CASE WHEN v < lo THEN 'L' WHEN v > hi THEN 'H' ELSE 'N' END AS interpretation
       FROM bench_report r JOIN bench_member m ON m.item = r.item,
       LATERAL (SELECT md5('observation:' || r.k || ':' || m.j) AS h) h,
       LATERAL (SELECT CASE WHEN r.male THEN m.low_m ELSE m.low_f END AS lo,
                       CASE WHEN r.male THEN m.high_m ELSE m.high_f END AS hi) range,
       LATERAL (SELECT round((lo + (hi - lo) * ((${hashOf('h', 1)} % 1200 - 100) / 1000.0))::numeric,
                             m.decimals)::float8 AS v) value`,
  );
  const quantity = (amount) =>
    `jsonb_build_object('value', ${amount}, 'unit', o.unit, 'system', ${text(UCUM)}, 'code', o.unit)`;
  await client.query(
    `${history ? 'WITH stored AS (' : ''}
       INSERT INTO gateway.fhir_resource (resource_type, id, version_id, last_updated, content, owner_orgs)
       SELECT 'Observation', o.id, 1, o.updated, jsonb_build_object(
                'resourceType', 'Observation', 'id', o.id,
                'meta', jsonb_build_object('versionId', '1', 'lastUpdated', ${iso('o.updated')}),
                'status', 'final',
                'category', jsonb_build_array(jsonb_build_object('coding', jsonb_build_array(
                  jsonb_build_object('system', ${text(OBSERVATION_CATEGORY)}, 'code', 'laboratory', 'display', 'Laboratory')))),
                'code', jsonb_build_object('coding', jsonb_build_array(
                  jsonb_build_object('system', ${text(LOINC)}, 'code', o.code, 'display', o.display)), 'text', o.display_zh),
                'basedOn', jsonb_build_array(jsonb_build_object('reference', 'ServiceRequest/' || o.order_id)),
                'effectiveDateTime', ${iso('o.observed')},
                'performer', c.performer,
                'valueQuantity', ${quantity('o.value')},
                'interpretation', jsonb_build_array(jsonb_build_object('coding', jsonb_build_array(
                  jsonb_build_object('system', ${text(INTERPRETATION)}, 'code', o.interpretation,
                    'display', CASE o.interpretation WHEN 'L' THEN 'Low' WHEN 'H' THEN 'High' ELSE 'Normal' END)))),
                'referenceRange', jsonb_build_array(jsonb_build_object('low', ${quantity('o.low')}, 'high', ${quantity('o.high')})),
                'subject', jsonb_build_object('reference', 'Patient/' || o.patient_id),
                'issued', ${iso('o.issued')}), ${text(OWNERS)}
         FROM bench_observation o, bench_constant c
       ${history ? RETURNING_INTO_HISTORY : ''}`,
  );
  await client.query(
    `INSERT INTO gateway.fhir_search_token (resource_type, resource_id, param, system, value)
     SELECT 'Observation', id, t.param, t.system, t.value FROM bench_observation,
       LATERAL (VALUES ('_id', NULL, id), ('code', ${text(LOINC)}, code),
                       ('category', ${text(OBSERVATION_CATEGORY)}, 'laboratory'), ('status', NULL, 'final'))
         AS t(param, system, value)`,
  );
  await client.query(
    `INSERT INTO gateway.fhir_search_reference (resource_type, resource_id, param, target_type, target_id)
     SELECT 'Observation', id, t.param, t.target_type, t.target_id FROM bench_observation,
       LATERAL (VALUES ('subject', 'Patient', patient_id), ('patient', 'Patient', patient_id),
                       ('based-on', 'ServiceRequest', order_id)) AS t(param, target_type, target_id)`,
  );
  await client.query(
    `INSERT INTO gateway.fhir_search_date (resource_type, resource_id, param, low, high)
     SELECT 'Observation', id, 'date', observed, observed FROM bench_observation`,
  );
  // The HR mark: every item here is recognized and the lab's EQA passed before the earliest result.
  await client.query(
    `WITH results AS (
       SELECT k, jsonb_agg(jsonb_build_object('reference', 'Observation/' || id) ORDER BY j) AS refs
         FROM bench_observation GROUP BY k)
     ${history ? ', stored AS (' : ''}
       INSERT INTO gateway.fhir_resource (resource_type, id, version_id, last_updated, content, owner_orgs)
       SELECT 'DiagnosticReport', r.id, 1, u.updated, jsonb_build_object(
                'resourceType', 'DiagnosticReport', 'id', r.id,
                'meta', jsonb_build_object('versionId', '1', 'lastUpdated', ${iso('u.updated')})
                  || CASE WHEN i.recognized THEN jsonb_build_object('tag', jsonb_build_array(jsonb_build_object(
                       'system', 'urn:hub:recognition', 'code', 'HR', 'display', '检查检验结果互认 Mutually recognized')))
                     ELSE '{}'::jsonb END,
                'status', 'final',
                'category', jsonb_build_array(jsonb_build_object('coding', jsonb_build_array(
                  jsonb_build_object('system', ${text(SERVICE_SECTION)}, 'code', 'LAB', 'display', 'Laboratory')))),
                'code', jsonb_build_object('coding', jsonb_build_array(
                  jsonb_build_object('system', ${text(LOINC)}, 'code', i.code, 'display', i.display)), 'text', i.display_zh),
                'basedOn', jsonb_build_array(jsonb_build_object('reference', 'ServiceRequest/' || r.order_id)),
                'effectiveDateTime', ${iso('r.observed')},
                'performer', c.performer,
                'result', res.refs,
                'subject', jsonb_build_object('reference', 'Patient/' || r.patient_id),
                'specimen', jsonb_build_array(jsonb_build_object('reference', 'Specimen/' || r.specimen_id)),
                'extension', jsonb_build_array(jsonb_build_object('url', ${text(REPORT_VERSION_URL)}, 'valueInteger', 1)),
                'issued', ${iso('r.issued')},
                'resultsInterpreter', jsonb_build_array(jsonb_build_object('display', ${text(INTERPRETER)}))),
              ${text(OWNERS)}
         FROM bench_report r JOIN bench_item i USING (item) JOIN results res USING (k), bench_constant c,
         LATERAL (SELECT r.issued + interval '40 milliseconds' AS updated) u
       ${history ? RETURNING_INTO_HISTORY : ''}`,
  );
  await client.query(
    `INSERT INTO gateway.fhir_search_token (resource_type, resource_id, param, system, value)
     SELECT 'DiagnosticReport', r.id, t.param, t.system, t.value FROM bench_report r JOIN bench_item i USING (item),
       LATERAL (VALUES ('_id', NULL, r.id), ('category', ${text(SERVICE_SECTION)}, 'LAB'),
                       ('code', ${text(LOINC)}, i.code), ('status', NULL, 'final')) AS t(param, system, value)`,
  );
  await client.query(
    `INSERT INTO gateway.fhir_search_reference (resource_type, resource_id, param, target_type, target_id)
     SELECT 'DiagnosticReport', r.id, t.param, t.target_type, t.target_id FROM bench_report r,
       LATERAL (VALUES ('subject', 'Patient', r.patient_id), ('patient', 'Patient', r.patient_id),
                       ('based-on', 'ServiceRequest', r.order_id)) AS t(param, target_type, target_id)
     UNION ALL
     SELECT 'DiagnosticReport', r.id, 'result', 'Observation', o.id
       FROM bench_report r JOIN bench_observation o USING (k)`,
  );
  await client.query(
    `INSERT INTO gateway.fhir_search_date (resource_type, resource_id, param, low, high)
     SELECT 'DiagnosticReport', id, 'date', observed, observed FROM bench_report
     UNION ALL SELECT 'DiagnosticReport', id, 'issued', issued, issued FROM bench_report`,
  );
}

/**
 * The secondary indexes of the generated tables (those not behind a primary key), each with the
 * statement that made it, as PostgreSQL reports it: dropped before the load and made again with the
 * same statements after it, so the end state is what the migrations made.
 */
async function secondaryIndexes(client) {
  const { rows } = await client.query(
    `SELECT ic.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i
       JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_class tc ON tc.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = tc.relnamespace
      WHERE n.nspname = 'gateway' AND tc.relname = ANY ($1::text[])
        AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = i.indexrelid)
      ORDER BY tc.relname, ic.relname`,
    [TABLES],
  );
  return rows;
}

/**
 * Runs `work(client, task)` for every task on WORKERS connections; the first failure throws. An
 * interruption cancels the statements under way (an index build takes minutes).
 */
async function onWorkers(url, tasks, prepare, work, signal) {
  let next = 0;
  const clients = [];
  const cancel = async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`SELECT pg_cancel_backend(pid) FROM unnest($1::int[]) pid`, [
        clients.map((client) => client.processID),
      ]);
    } finally {
      await admin.end();
    }
  };
  const onAbort = () => void cancel().catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.all(
      Array.from({ length: Math.min(WORKERS, tasks.length) }, async () => {
        const client = new pg.Client({
          connectionString: url,
          application_name: 'bench-recognition',
        });
        clients.push(client);
        await client.connect();
        await prepare?.(client);
        while (next < tasks.length && !signal?.aborted) {
          const task = tasks[next++];
          await work(client, task);
        }
      }),
    );
  } catch (error) {
    if (!signal?.aborted) throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
  }
  if (signal?.aborted) throw new Error('interrupted');
}

/** Batches of [from, to) over `total`. */
const batches = (total, size, kind) =>
  Array.from({ length: Math.ceil(total / size) }, (_, i) => ({
    kind,
    from: i * size,
    to: Math.min(total, (i + 1) * size),
  }));

/**
 * Generates `patients` patients and the reports carrying at least `observations` Observations into
 * the migrated, seeded database at `url`. `say` prints progress. Returns what was generated and how
 * long each step took (seconds).
 */
export async function generate(url, { patients, observations, history, say, signal }) {
  const items = reportItems();
  const reports = reportsFor(observations);
  const generatedAt = new Date();
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const steps = {};
  let started = performance.now();
  const lap = (name) => {
    steps[name] = (performance.now() - started) / 1000;
    started = performance.now();
  };
  try {
    const { rows: orgs } = await admin.query(
      `SELECT name FROM gateway.organization WHERE code = 'LAB'`,
    );
    if (!orgs[0]) throw new Error('the seeded consortium has no LAB organisation');
    const performer = [
      { display: orgs[0].name, identifier: { system: HUB_ORGANIZATION, value: 'LAB' } },
    ];
    // The lab's EQA for the items passed before the earliest result, so every result was eligible
    // when stored (the HR mark) and is judged by its window alone (the seed's EQA starts 2026).
    await admin.query(
      `INSERT INTO gateway.eqa_record (centre_org, system, code, passed, effective_from, scheme, recorded_by)
       SELECT 'LAB', $1, code, true, ($2::timestamptz - interval '${SPREAD_DAYS + 10} days')::date,
              'bench: provincial EQA', 'bench'
         FROM unnest($3::text[]) code`,
      [LOINC, generatedAt, items.map((i) => i.code)],
    );
    const indexes = await secondaryIndexes(admin);
    for (const { name } of indexes) await admin.query(`DROP INDEX gateway."${name}"`);
    lap('prepare');

    const tasks = [
      ...batches(patients, PATIENTS_PER_BATCH, 'patients'),
      ...batches(reports, REPORTS_PER_BATCH, 'reports'),
    ];
    const done = { patients: 0, reports: 0 };
    const loadStart = performance.now();
    let lastSaid = 0;
    await onWorkers(
      url,
      tasks,
      (client) => prepareSession(client, { items, performer, generatedAt, patients }),
      async (client, task) => {
        await client.query('BEGIN');
        if (task.kind === 'patients') await insertPatients(client, task.from, task.to, history);
        else await insertReports(client, task.from, task.to, history);
        await client.query('COMMIT');
        done[task.kind] += task.to - task.from;
        if (performance.now() - lastSaid > 10_000 || done.reports === reports) {
          lastSaid = performance.now();
          const seconds = (performance.now() - loadStart) / 1000;
          say(
            `  ${count(done.patients)} of ${count(patients)} patients, ${count(done.reports)} of ` +
              `${count(reports)} reports (${Math.round(seconds)} s)`,
          );
        }
      },
      signal,
    );
    lap('load');

    say(`rebuilding ${indexes.length} secondary indexes (as the migrations define them)`);
    await onWorkers(
      url,
      indexes,
      (client) => client.query(`SET maintenance_work_mem = '1GB'`),
      (client, { definition }) => client.query(definition),
      signal,
    );
    lap('indexes');

    say(
      'VACUUM (ANALYZE) of the generated tables (statistics and visibility, as autovacuum would)',
    );
    await onWorkers(
      url,
      TABLES,
      undefined,
      (client, table) => client.query(`VACUUM (ANALYZE) gateway.${table}`),
      signal,
    );
    lap('vacuum');
    const again = await secondaryIndexes(admin);
    if (JSON.stringify(again) !== JSON.stringify(indexes))
      throw new Error('the rebuilt indexes differ from those the migrations made');
    const { rows } = await admin.query(
      `SELECT count(*) FILTER (WHERE resource_type = 'Observation')::bigint AS observations,
              count(*) FILTER (WHERE resource_type = 'DiagnosticReport')::bigint AS reports,
              count(*) FILTER (WHERE resource_type = 'Patient')::bigint AS patients
         FROM gateway.fhir_resource`,
    );
    lap('count');
    const { rows: size } = await admin.query(
      `SELECT pg_database_size(current_database())::bigint AS bytes`,
    );
    const generation = {
      patients: Number(rows[0].patients),
      reports: Number(rows[0].reports),
      observations: Number(rows[0].observations),
      history: Boolean(history),
      generatedAt: generatedAt.toISOString(),
      seconds: Object.fromEntries(
        Object.entries(steps).map(([name, seconds]) => [name, Math.round(seconds * 10) / 10]),
      ),
      databaseBytes: Number(size[0].bytes),
    };
    // Written last: a database with this comment holds a complete generation and can be reused.
    const name = new URL(url).pathname.slice(1);
    await admin.query(
      `COMMENT ON DATABASE "${name}" IS ${text(MARKER + JSON.stringify(generation))}`,
    );
    return generation;
  } finally {
    await admin.end();
  }
}

const count = (n) => n.toLocaleString('en-US');

/**
 * What a complete generation left in the database at `url` (its comment), or undefined when the
 * database does not exist or holds no complete generation.
 */
export async function readGeneration(url) {
  const name = new URL(url).pathname.slice(1);
  const admin = new pg.Client({
    connectionString: Object.assign(new URL(url), { pathname: '/postgres' }).toString(),
  });
  await admin.connect();
  try {
    const { rows } = await admin.query(
      `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`,
      [name],
    );
    const comment = rows[0]?.comment;
    return comment?.startsWith(MARKER) ? JSON.parse(comment.slice(MARKER.length)) : undefined;
  } finally {
    await admin.end();
  }
}
