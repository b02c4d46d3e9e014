import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { JwtService } from '@nestjs/jwt';
import type { Bundle, OperationOutcome, Task } from 'fhir/r4';
import { buildDicom } from '@hub/dicom';
import { DEMO_JWT_SECRET } from '@hub/platform';
import { clientToken, userToken } from '../support/auth-client';
import { DicomwebClient, multipartRelated } from '../support/dicomweb-client';
import {
  makeOrderBundle,
  makePatient,
  makePlacerNumber,
  makeResidentId,
} from '../support/factories';
import { type RunningHub, eventually, startHub } from '../support/hub-harness';
import { MllpClient, hl7Field } from '../support/mllp-client';
import { PrivatePostgres } from '../support/private-postgres';

jest.setTimeout(300_000);

/** Outages in a row (npm test: 1; `npm run test:faults:long`: 5; FAULTS_ROUNDS sets it). */
const ROUNDS = Math.max(
  1,
  Number(process.env.FAULTS_ROUNDS ?? (process.env.FAULTS_PROFILE === 'long' ? 5 : 1)),
);
/** Longest a request may take while PostgreSQL is down: an answer, never a hang. */
const ANSWER_WITHIN_MS = 5000;
/** Longest the hub may take to serve again once PostgreSQL is back, without any restart. */
const RECOVER_WITHIN_MS = 60_000;

interface Answer {
  status: number;
  retryAfter: string | null;
  contentType: string;
  body: unknown;
  elapsedMs: number;
}

/** A potassium order message from clinic A, as its HIS sends it over MLLP. */
function orderMessage(placer: string): string {
  const residentId = makeResidentId();
  return [
    `MSH|^~\\&|HIS|CLINIC-A|HUB|HUB|20261123083000+0800||ORM^O01^ORM_O01|C${placer}|P|2.5.1|||||CHN|UNICODE UTF-8`,
    `PID|1||${residentId}^^^&2.16.156.10011.1.3&ISO^NNCHN||王^小明||${residentId.slice(6, 14)}|${Number(residentId[16]) % 2 ? 'M' : 'F'}`,
    `ORC|NW|${placer}^HIS|||||^^^^^R`,
    `OBR|1|||2823-3^Potassium^LN|||20261123082000`,
  ].join('\r');
}

/** Every regular file under `dir`. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? filesUnder(join(dir, entry.name))
      : entry.isFile()
        ? [join(dir, entry.name)]
        : [],
  );
}

/**
 * The hub on a PostgreSQL cluster of its own, which the test stops (as a crash) under the running
 * apps: every public API answers 503 with Retry-After at once, HL7 senders get an AR to resend,
 * nothing is half-stored and no app exits; once PostgreSQL is back the same requests succeed
 * without restarting anything, and orders accepted before the outage reach their centre.
 */
describe('PostgreSQL down (faults)', () => {
  let postgres: PrivatePostgres;
  let hub: RunningHub;
  let mllp: MllpClient;
  let dicomweb: DicomwebClient;
  const tokens: Record<string, string> = {};

  const call = async (
    path: string,
    options: { method?: string; who?: string; body?: unknown; base?: string } = {},
  ): Promise<Answer> => {
    const started = Date.now();
    const response = await fetch(`${options.base ?? hub.baseUrl}${path}`, {
      method: options.method ?? 'GET',
      headers: {
        ...(options.who ? { authorization: `Bearer ${tokens[options.who]}` } : {}),
        ...(options.body === undefined ? {} : { 'content-type': 'application/fhir+json' }),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(ANSWER_WITHIN_MS * 4),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: kept as text for the failure message
    }
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      contentType: response.headers.get('content-type') ?? '',
      body,
      elapsedMs: Date.now() - started,
    };
  };

  const taskFor = async (orderId: string): Promise<Task | undefined> => {
    const answer = await call(`/fhir/Task?based-on=ServiceRequest/${orderId}`, {
      who: 'clinic',
    });
    return (answer.body as Bundle).entry?.[0]?.resource as Task | undefined;
  };

  /** The ServiceRequest id of a transaction response. */
  const orderIdOf = (answer: Answer): string => {
    const entry = (answer.body as Bundle).entry?.find((e) =>
      e.response?.location?.startsWith('ServiceRequest/'),
    );
    const id = entry?.response?.location?.split('/')[1];
    if (!id) throw new Error(`no ServiceRequest in ${JSON.stringify(answer.body).slice(0, 300)}`);
    return id;
  };

  /** A 503 a client can act on: Retry-After in seconds, an answer in bounded time. */
  const expectUnavailable = (answer: Answer, what: string) => {
    expect({
      what,
      status: answer.status,
      retryAfterSeconds: /^[1-9]\d*$/.test(answer.retryAfter ?? ''),
      answeredInTime: answer.elapsedMs < ANSWER_WITHIN_MS,
    }).toEqual({ what, status: 503, retryAfterSeconds: true, answeredInTime: true });
  };

  /** A FHIR 503: an OperationOutcome with issue code `transient` that says why. */
  const expectTransientOutcome = (answer: Answer, what: string) => {
    expectUnavailable(answer, what);
    expect(answer.contentType).toContain('application/fhir+json');
    const outcome = answer.body as OperationOutcome;
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0]).toMatchObject({ severity: 'error', code: 'transient' });
    expect(outcome.issue[0].diagnostics).toMatch(/database is unavailable.*send the request again/);
  };

  beforeAll(async () => {
    postgres = await PrivatePostgres.create();
    hub = await startHub({ postgres });
    tokens.clinic = await clientToken(hub.baseUrl, 'clinic-a', 'clinic-a-secret');
    tokens.labtech = await userToken(hub.baseUrl, 'labtech');
    mllp = await MllpClient.connect(hub.hl7Port);
    dicomweb = new DicomwebClient(`${hub.baseUrl}/dicomweb`, tokens.clinic);
  });

  afterAll(async () => {
    mllp?.close();
    // The hub's database lives on the private cluster: it goes with it.
    if (postgres && !(await postgres.running())) await postgres.start().catch(() => undefined);
    await hub?.shutdown();
    await postgres?.destroy();
  });

  for (let round = 1; round <= ROUNDS; round++) {
    // A crash first; in longer runs a clean shutdown (connections told 57P01) every other time.
    const mode = round % 2 ? 'immediate' : 'fast';
    it(`answers 503 with Retry-After while PostgreSQL is down (${mode} stop) and recovers by itself (outage ${round} of ${ROUNDS})`, async () => {
      // An order accepted just before the outage: it must still reach the lab afterwards.
      const before = await call('/fhir', {
        method: 'POST',
        who: 'clinic',
        body: makeOrderBundle({ org: 'CLINIC-A' }),
      });
      expect(before.status).toBe(200);
      const acceptedBefore = orderIdOf(before);

      await postgres.stop({ mode });
      const filesBefore = filesUnder(hub.dataDir).length;

      // FHIR: reads, writes and transactions.
      expectTransientOutcome(
        await call(`/fhir/ServiceRequest/${acceptedBefore}`, { who: 'clinic' }),
        'FHIR read',
      );
      expectTransientOutcome(
        await call('/fhir/Patient', { method: 'POST', who: 'clinic', body: makePatient() }),
        'FHIR create',
      );
      const bundle = makeOrderBundle({ org: 'CLINIC-A' });
      expectTransientOutcome(
        await call('/fhir', { method: 'POST', who: 'clinic', body: bundle }),
        'FHIR transaction',
      );
      // Signing in needs the accounts: the token endpoint says so the same way.
      const token = await fetch(`${hub.baseUrl}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: 'clinic-a',
          client_secret: 'clinic-a-secret',
        }).toString(),
        signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
      });
      expect(token.status).toBe(503);
      expect(token.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);

      // The lab centre's API through the gateway (and the gateway's own JSON API).
      const verifications = await call('/api/lab/verifications', { who: 'labtech' });
      expectUnavailable(verifications, 'GET /api/lab/verifications');
      expect(verifications.contentType).toMatch(/json/);
      // The lab answered first (its own filter), and the gateway passed on which store is away.
      expect(JSON.stringify(verifications.body)).toMatch(
        /the lab centre's database is unavailable/,
      );

      // The gateway's health names the database; each centre's own health says the same.
      const health = await call('/health');
      expectUnavailable(health, 'gateway /health');
      expect(health.body).toMatchObject({ status: 'down', database: 'down', redis: 'up' });
      for (const [app, port] of Object.entries(hub.ports)) {
        if (app === 'gateway') continue;
        const centre = await call('/health', { base: `http://127.0.0.1:${port}` });
        expectUnavailable(centre, `${app} /health`);
        expect(centre.body).toMatchObject({ status: 'down', database: 'down', redis: 'up' });
      }

      // DICOMweb STOW through the gateway's proxy: 503, and no file left behind.
      const ct = buildDicom({ patientName: 'LI^SI', modality: 'CT' });
      const started = Date.now();
      const stow = await dicomweb.store([{ body: ct.bytes }]);
      expect(Date.now() - started).toBeLessThan(ANSWER_WITHIN_MS);
      expect(stow.status).toBe(503);
      // The archive itself, as the proxy forwards a STOW to it (the gateway refused above before
      // forwarding, its own audit write having failed): 503 too, its file removed again.
      const { body, contentType } = multipartRelated([{ body: ct.bytes }]);
      const archived = await fetch(
        `http://127.0.0.1:${hub.ports['imaging-center']}/dicomweb/studies`,
        {
          method: 'POST',
          headers: {
            'content-type': contentType,
            accept: 'application/dicom+json',
            'x-hub-accessor': await new JwtService({ secret: DEMO_JWT_SECRET }).signAsync(
              { sub: 'clinic-a', org: 'CLINIC-A', roles: ['clinic-system'], kind: 'accessor' },
              { expiresIn: 60 },
            ),
          },
          body,
          signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
        },
      );
      expect(archived.status).toBe(503);
      expect(archived.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      expect(await archived.json()).toMatchObject({
        message: expect.stringMatching(/imaging centre's database is unavailable/) as string,
      });
      expect(filesUnder(hub.dataDir)).toHaveLength(filesBefore);

      // HL7 over MLLP: AR (system reject: send it again), ERR saying the store is unavailable.
      const placer = makePlacerNumber();
      const message = orderMessage(placer);
      const ack = await mllp.send(message, 'utf-8', ANSWER_WITHIN_MS);
      expect(hl7Field(ack, 'MSA', 1)).toBe('AR');
      expect(hl7Field(ack, 'MSA', 2)).toBe(`C${placer}`);
      expect(hl7Field(ack, 'ERR', 3)).toMatch(/^207/);
      expect(hl7Field(ack, 'ERR', 8)).toMatch(/store is unavailable.*send the message again/);

      // PostgreSQL comes back; nothing is restarted.
      await postgres.start();
      await eventually(
        () => call('/health'),
        (answer) => answer.status === 200,
        'the gateway to report healthy again',
        RECOVER_WITHIN_MS,
      );

      // The same requests now succeed: the sender resends what was refused.
      const resent = await call('/fhir', { method: 'POST', who: 'clinic', body: bundle });
      expect(resent.status).toBe(200);
      const acceptedAfter = orderIdOf(resent);
      expect(
        (await call('/fhir/Patient', { method: 'POST', who: 'clinic', body: makePatient() }))
          .status,
      ).toBe(201);
      expect((await call(`/fhir/ServiceRequest/${acceptedBefore}`, { who: 'clinic' })).status).toBe(
        200,
      );
      expect((await call('/api/lab/verifications', { who: 'labtech' })).status).toBe(200);
      const resentAck = await mllp.send(message);
      expect(hl7Field(resentAck, 'MSA', 1)).toBe('AA');
      expect((await dicomweb.store([{ body: ct.bytes }])).status).toBe(200);

      // Orders from before and after the outage reach the lab (outbox and queues resumed).
      for (const orderId of [acceptedBefore, acceptedAfter]) {
        await eventually(
          () => taskFor(orderId),
          (task) => task?.status === 'accepted' && task.owner?.reference === 'Organization/lab',
          `the lab to accept order ${orderId}`,
          RECOVER_WITHIN_MS,
        );
      }
    });
  }
});
