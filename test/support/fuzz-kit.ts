import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { Client as PgClient } from 'pg';
import type { RunningHub } from './hub-harness';

/**
 * The bad-input (fuzz) suite's machinery: a seeded random source, a pool of hostile values, a
 * campaign runner that sends mutants through a public protocol and checks the oracle for each,
 * and a before/after snapshot of every table to show that refused input changed nothing.
 *
 * Configuration (environment): FUZZ_CASES inputs per protocol (default 1,000: the short run of
 * `npm test`; `npm run test:fuzz` sets 10,000), FUZZ_SEED (a number, or `random`; default fixed so
 * CI is reproducible). A failure names the seed, the case index and the input: rerun with the same
 * FUZZ_SEED and FUZZ_CASES to get the same inputs.
 */
export const FUZZ_CASES = Number(process.env.FUZZ_CASES ?? 1000);

export const FUZZ_SEED =
  process.env.FUZZ_SEED === 'random'
    ? Math.floor(Math.random() * 2 ** 31)
    : Number(process.env.FUZZ_SEED ?? 20261123);

/** How long one input may take before it counts as a hang. */
export const REQUEST_TIMEOUT_MS = 10_000;

/** A seeded PRNG (mulberry32): every case is rebuilt from the run's seed and its index. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The generator of case `index` of a run seeded with `seed`. */
  static forCase(seed: number, index: number): Rng {
    return new Rng(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35));
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [lo, hi). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length)];
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

const HAND_PICKED = [
  '',
  ' ',
  'null',
  'undefined',
  '0',
  '-1',
  '1e309',
  '-0',
  'NaN',
  'Infinity',
  '99999999999999999999999999',
  '0.000000000000000000001',
  'true',
  '[]',
  '{}',
  '\u0000',
  '%00',
  '%',
  '%ZZ',
  '../../../../etc/passwd',
  "' OR '1'='1",
  '"; DROP TABLE x; --',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '\uD800',
  '\uFEFF',
  '\u202E',
  '张三',
  '𠜎𠜱',
  'é',
  '2026-02-30',
  '2026-13-01',
  '0000-00-00',
  '20261345',
  '19000229',
  '2026-11-23T25:61:61Z',
  '9999-12-31T23:59:59.999999999+14:00',
  'x'.repeat(70_000),
  '1'.repeat(400),
  '\\',
  '|^~\\&',
  '\r\n',
];

/**
 * Hostile scalar strings: hand-picked classics (empty, huge, bad dates, lone surrogates, control
 * characters, injections) and strings fast-check generates from the run's seed.
 */
export function hostileStrings(seed: number): string[] {
  const generated = fc.sample(
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      fc.integer().map(String),
      fc.double().map(String),
      fc.date({ noInvalidDate: false }).map((d) => (isNaN(d.getTime()) ? 'Invalid' : d.toJSON())),
    ),
    { seed, numRuns: 300 },
  );
  return [...HAND_PICKED, ...generated];
}

/** Arbitrary JSON values (fast-check), for wrong-type and junk mutations. */
export function hostileJson(seed: number): unknown[] {
  return fc.sample(fc.jsonValue({ maxDepth: 3 }), { seed, numRuns: 200 });
}

/**
 * encodeURIComponent that takes any string: a lone surrogate (which encodeURIComponent refuses)
 * is sent as U+FFFD, the way a browser would.
 */
export function encodeQueryPart(text: string): string {
  return encodeURIComponent(
    text.replace(
      /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
      '\uFFFD',
    ),
  );
}

/** Byte-level mutations shared by every protocol. */
export function mutateBytes(rng: Rng, bytes: Buffer, focusEnd = bytes.length): Buffer {
  const end = Math.max(1, Math.min(focusEnd, bytes.length));
  const at = () => rng.int(0, end);
  switch (rng.int(0, 6)) {
    case 0: // truncate
      return bytes.subarray(0, at());
    case 1: {
      // flip a few bytes
      const copy = Buffer.from(bytes);
      for (let i = rng.int(1, 9); i > 0; i--) copy[at()] ^= 1 << rng.int(0, 8);
      return copy;
    }
    case 2: {
      // delete a chunk
      const from = at();
      return Buffer.concat([bytes.subarray(0, from), bytes.subarray(from + rng.int(1, 64))]);
    }
    case 3: {
      // duplicate a chunk
      const from = at();
      const chunk = bytes.subarray(from, from + rng.int(1, 64));
      return Buffer.concat([bytes.subarray(0, from), chunk, chunk, bytes.subarray(from)]);
    }
    case 4: {
      // overwrite four bytes with an extreme integer (a length field, if it lands on one)
      const copy = Buffer.from(bytes);
      const from = Math.min(at(), Math.max(0, copy.length - 4));
      if (copy.length >= 4)
        copy.writeUInt32LE(rng.pick([0xffffffff, 0x7fffffff, 0, 1, 0xfffffffe]), from);
      return copy;
    }
    default: {
      // insert random bytes
      const from = at();
      const junk = Buffer.from(Array.from({ length: rng.int(1, 32) }, () => rng.int(0, 256)));
      return Buffer.concat([bytes.subarray(0, from), junk, bytes.subarray(from)]);
    }
  }
}

/** Random bytes: pure junk. */
export function junkBytes(rng: Rng, max = 2048): Buffer {
  return Buffer.from(Array.from({ length: rng.int(0, max) }, () => rng.int(0, 256)));
}

/** A breach of the oracle: a 5xx, a hang, a dropped connection or an answer that is not clear. */
export class OracleViolation extends Error {}

/** What one input got: refused with a clear answer, or accepted (the mutant was valid). */
export interface Verdict {
  outcome: 'refused' | 'accepted';
  /** e.g. the HTTP status or the ACK code, for the run's histogram. */
  answer: string;
}

/** fetch with the per-input time limit; a hang or a reset becomes an {@link OracleViolation}. */
export async function fetchWithin(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; type: string; text: string }> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    return {
      status: response.status,
      type: response.headers.get('content-type') ?? '',
      text: await response.text(),
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new OracleViolation(
      `no answer: ${(error as Error).name} ${(error as Error).message}${cause ? ` (${cause})` : ''}`,
    );
  }
}

/**
 * The HTTP oracle: never a 5xx; a 4xx is an OperationOutcome with an issue that says something;
 * a 2xx is an acceptance. `extra` may recognise another clear refusal (a DICOM failure list).
 */
export function judgeHttp(
  answer: { status: number; text: string },
  options: { plainMessage?: boolean } = {},
): Verdict {
  if (answer.status >= 500)
    throw new OracleViolation(`HTTP ${answer.status}: ${answer.text.slice(0, 300)}`);
  if (answer.status >= 200 && answer.status < 300)
    return { outcome: 'accepted', answer: String(answer.status) };
  if (answer.status < 400)
    throw new OracleViolation(`HTTP ${answer.status} is neither an acceptance nor a refusal`);
  // Node's HTTP parser answers a request line or headers over its limit (16 KB) itself, before
  // any app code runs: the status is the whole, standard, reason.
  if (answer.status === 414 || answer.status === 431)
    return { outcome: 'refused', answer: String(answer.status) };
  const issue =
    outcomeIssue(answer.text) ?? (options.plainMessage ? plainMessage(answer.text) : undefined);
  if (!issue)
    throw new OracleViolation(
      `HTTP ${answer.status} without an OperationOutcome issue: ${answer.text.slice(0, 300)}`,
    );
  return { outcome: 'refused', answer: String(answer.status) };
}

/** The `message` of a JSON error body (the DICOMweb archive answers QIDO-RS errors so). */
function plainMessage(text: string): string | undefined {
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    return typeof message === 'string' && message.length > 0 ? message : undefined;
  } catch {
    return undefined;
  }
}

/** The first issue's text of an OperationOutcome body, or undefined when it is not one. */
export function outcomeIssue(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as {
      resourceType?: string;
      issue?: Array<{ code?: string; diagnostics?: string; details?: { text?: string } }>;
    };
    if (body.resourceType !== 'OperationOutcome') return undefined;
    const issue = body.issue?.[0];
    const said = issue?.diagnostics ?? issue?.details?.text;
    return issue?.code && said ? said : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Tables that record refusals by design, so a refused input may add rows to them; every other
 * table of every app schema must be unchanged by refused input.
 */
export const REFUSAL_RECORDS: Record<string, string> = {
  'gateway.audit_event':
    'the audit trail records every access to patient data, refused attempts included (who tried what)',
  'gateway.hl7_message':
    'the HL7 message log keeps every inbound message with its ACK, refused ones included, for replay',
};

/** Row count and content hash of every table of the app schemas, and the files in the archive. */
export type Snapshot = Map<string, string>;

/** Watches the hub's database (and data directory) for changes between two moments. */
export class DatabaseWatch {
  private tables: string[] = [];

  private constructor(
    private readonly db: PgClient,
    private readonly dataDir: string,
  ) {}

  static async open(hub: RunningHub): Promise<DatabaseWatch> {
    const db = new PgClient({ connectionString: hub.databaseUrl });
    await db.connect();
    const watch = new DatabaseWatch(db, hub.dataDir);
    const { rows } = await db.query<{ name: string }>(
      `SELECT table_schema || '.' || table_name AS name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE'
          AND table_schema NOT IN ('pg_catalog', 'information_schema')
        ORDER BY 1`,
    );
    watch.tables = rows.map((r) => r.name).filter((name) => !(name in REFUSAL_RECORDS));
    return watch;
  }

  /** How many tables are compared. */
  get tableCount(): number {
    return this.tables.length;
  }

  async snapshot(): Promise<Snapshot> {
    const sql = this.tables
      .map((name) => {
        const [schema, table] = name.split('.');
        return `SELECT '${name}' AS name, count(*) || ':' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS state FROM "${schema}"."${table}" t`;
      })
      .join(' UNION ALL ');
    const { rows } = await this.db.query<{ name: string; state: string }>(sql);
    const snapshot: Snapshot = new Map(rows.map((r) => [r.name, r.state]));
    snapshot.set('files in the data directory', listFiles(this.dataDir).join('\n'));
    return snapshot;
  }

  /**
   * Waits until the hub is idle: two snapshots a second apart agree (work an accepted input
   * started, outbox relay and centre jobs, has finished). Answers the last snapshot.
   */
  async settled(timeoutMs = 60_000): Promise<Snapshot> {
    const deadline = Date.now() + timeoutMs;
    let last = await this.snapshot();
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const now = await this.snapshot();
      if (differences(last, now).length === 0) return now;
      if (Date.now() > deadline)
        throw new Error(`the hub did not settle: ${differences(last, now).join(', ')}`);
      last = now;
    }
  }

  async close(): Promise<void> {
    await this.db.end();
  }
}

function listFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name))
      .sort();
  } catch {
    return [];
  }
}

/** The tables (or the data directory) whose state differs between two snapshots. */
export function differences(before: Snapshot, after: Snapshot): string[] {
  return [...new Set([...before.keys(), ...after.keys()])].filter(
    (name) => before.get(name) !== after.get(name),
  );
}

/** One generated input. */
export interface FuzzCase<I> {
  index: number;
  /** Which mutation made it, for the summary and a failure message. */
  kind: string;
  input: I;
}

/** What a campaign found. */
export interface CampaignResult {
  cases: number;
  refused: number;
  accepted: number;
  /** Refused inputs covered by a before/after comparison of every table. */
  refusedChecked: number;
  byKind: Record<string, { refused: number; accepted: number }>;
  answers: Record<string, number>;
  failures: string[];
  seconds: number;
}

/**
 * Runs `count` generated inputs through `send` (which applies the oracle and throws an
 * {@link OracleViolation}), `concurrency` at a time, in batches. Around each batch the tables are
 * snapshotted: a batch of refusals only must leave them unchanged; when a batch had an accepted
 * (valid) mutant, the hub is let settle and the batch's refused inputs are sent again between two
 * snapshots, and must be refused again and change nothing. So every refused input is covered.
 */
export async function runCampaign<I>(options: {
  name: string;
  count?: number;
  generate: (rng: Rng, index: number) => { kind: string; input: I };
  send: (input: I, index: number) => Promise<Verdict>;
  show: (input: I) => string;
  watch: DatabaseWatch;
  batchSize?: number;
  concurrency?: number;
  /** The inputs only read (searches): accepted ones must leave the tables unchanged too. */
  readOnly?: boolean;
}): Promise<CampaignResult> {
  const count = options.count ?? FUZZ_CASES;
  const batchSize = options.batchSize ?? 100;
  const concurrency = options.concurrency ?? 4;
  const started = Date.now();
  const result: CampaignResult = {
    cases: 0,
    refused: 0,
    accepted: 0,
    refusedChecked: 0,
    byKind: {},
    answers: {},
    failures: [],
    seconds: 0,
  };
  const fail = (item: FuzzCase<I>, problem: string) => {
    const line =
      `${options.name} seed=${FUZZ_SEED} case=${item.index} (${item.kind}): ${problem}\n` +
      `  input: ${truncate(options.show(item.input))}`;
    if (result.failures.length < 25) {
      result.failures.push(line);
      process.stderr.write(`${line}\n`);
    }
  };
  const sendAll = async (items: Array<FuzzCase<I>>) => {
    const verdicts = new Map<number, Verdict>();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < items.length) {
          const item = items[next++];
          try {
            verdicts.set(item.index, await options.send(item.input, item.index));
          } catch (error) {
            if (!(error instanceof OracleViolation)) throw error;
            fail(item, error.message);
          }
        }
      }),
    );
    return verdicts;
  };

  let before = await options.watch.settled();
  for (let first = 0; first < count; first += batchSize) {
    const batch: Array<FuzzCase<I>> = [];
    for (let index = first; index < Math.min(count, first + batchSize); index++)
      batch.push({ index, ...options.generate(Rng.forCase(FUZZ_SEED, index), index) });
    const verdicts = await sendAll(batch);
    const refused = batch.filter((item) => verdicts.get(item.index)?.outcome === 'refused');
    for (const item of batch) {
      const verdict = verdicts.get(item.index);
      result.cases++;
      if (!verdict) continue;
      result[verdict.outcome]++;
      const kind = (result.byKind[item.kind] ??= { refused: 0, accepted: 0 });
      kind[verdict.outcome]++;
      result.answers[verdict.answer] = (result.answers[verdict.answer] ?? 0) + 1;
    }
    progress(options.name, result, started);
    if (refused.length === batch.length || options.readOnly) {
      const after = await options.watch.snapshot();
      const changed = differences(before, after);
      if (changed.length)
        fail(
          batch[0],
          `a batch of ${options.readOnly ? 'reads' : 'refused inputs'} (cases ${first}…) changed ${changed.join(', ')}`,
        );
      else result.refusedChecked += refused.length;
      before = after;
      continue;
    }
    // An accepted mutant changed the tables: once the hub is idle, replay the refused ones alone.
    before = await options.watch.settled();
    if (refused.length === 0) continue;
    const again = await sendAll(refused);
    for (const item of refused)
      if (again.get(item.index)?.outcome === 'accepted')
        fail(item, 'refused the first time, accepted when sent again');
    const after = await options.watch.snapshot();
    const changed = differences(before, after);
    if (changed.length)
      fail(refused[0], `refused inputs (batch ${first}…, replayed) changed ${changed.join(', ')}`);
    else result.refusedChecked += refused.length;
    before = after;
  }
  result.seconds = Math.round((Date.now() - started) / 100) / 10;
  return result;
}

/** A progress line every 500 inputs (stderr: jest holds console output until a test ends). */
function progress(name: string, result: CampaignResult, started: number): void {
  if (result.cases % 500 === 0 || result.failures.length)
    process.stderr.write(
      `${name}: ${result.cases} sent, ${result.refused} refused, ${result.accepted} accepted, ${result.failures.length} failures, ${Math.round((Date.now() - started) / 1000)} s\n`,
    );
}

/** A line for the log: what the campaign sent and what it got. */
export function summarise(name: string, result: CampaignResult): string {
  // Per mutation operation (a case may combine several).
  const byOp: Record<string, { refused: number; accepted: number }> = {};
  for (const [kind, n] of Object.entries(result.byKind))
    for (const op of new Set(kind.split('+'))) {
      const sum = (byOp[op] ??= { refused: 0, accepted: 0 });
      sum.refused += n.refused;
      sum.accepted += n.accepted;
    }
  const kinds = Object.entries(byOp)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([op, n]) => `${op} ${n.refused}/${n.accepted}`)
    .join(', ');
  return (
    `${name}: ${result.cases} inputs (seed ${FUZZ_SEED}) in ${result.seconds} s: ` +
    `${result.refused} refused, ${result.accepted} accepted as valid, ` +
    `${result.refusedChecked} refused inputs covered by a table comparison; ` +
    `answers ${JSON.stringify(result.answers)}; by mutation (refused/accepted): ${kinds}`
  );
}

/** How much of a failing input to print (FUZZ_SHOW_CHARS, default 600). */
function truncate(text: string, max = Number(process.env.FUZZ_SHOW_CHARS ?? 600)): string {
  const clean = JSON.stringify(text);
  return clean.length > max ? `${clean.slice(0, max)}… (${text.length} chars)` : clean;
}

/** Every app still answers its /health and no app logged an unexpected error. */
export async function expectHubAlive(hub: RunningHub): Promise<void> {
  const ports = hub.ports as Record<string, number>;
  for (const [app, port] of Object.entries(ports)) {
    const health = await fetchWithin(`http://127.0.0.1:${port}/health`).catch((error: Error) => ({
      status: 0,
      text: error.message,
    }));
    if (health.status !== 200)
      throw new Error(`${app} is not healthy: ${health.status} ${health.text}\n${hub.describe()}`);
  }
  if (/exit \d+\)/.test(hub.describe()))
    throw new Error(`an app exited during the run\n${hub.describe()}`);
  const unexpected = unexpectedErrors(hub);
  if (unexpected.length)
    throw new Error(`apps logged unexpected errors:\n${unexpected.slice(0, 5).join('\n')}`);
}

/** Lines the apps logged for an unexpected error (a 500's stack), for a failure message. */
export function unexpectedErrors(hub: RunningHub): string[] {
  return Object.entries(hub.output).flatMap(([app, lines]) =>
    lines
      .filter((line) => /unexpected error|uncaught|unhandled/i.test(line))
      .map((l) => `${app}: ${l}`),
  );
}
