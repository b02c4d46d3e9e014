import { createHmac } from 'node:crypto';
import type { AuditEvent, Bundle, OperationOutcome, ServiceRequest } from 'fhir/r4';
import { Client as PgClient } from 'pg';
import { hashSecret } from '../../apps/gateway/src/auth/password';
import { DEMO_JWT_SECRET } from '../../apps/gateway/src/config';
import { buildDicom } from '@hub/dicom';
import { clientToken, userToken } from '../support/auth-client';
import { DicomwebClient } from '../support/dicomweb-client';
import { makeOrderBundle, makePatient, makeResidentId } from '../support/factories';
import { type RunningHub, eventually, startHub } from '../support/hub-harness';

jest.setTimeout(120_000);

interface Order {
  orderId: string;
  patientId: string;
  taskId: string;
}

/**
 * The access matrix of docs/architecture.md, tried role by role: what each role must not do is
 * refused, what it may do still works, and every access to patient data leaves exactly one
 * AuditEvent.
 */
describe('access control and audit (e2e)', () => {
  let hub: RunningHub;
  let db: PgClient;
  const tokens: Record<string, string> = {};
  const residentIds: string[] = [];
  let labOrder: Order;
  let imagingOrder: Order;
  let reportId: string;

  const get = (who: string, path: string, headers: Record<string, string> = {}) =>
    fetch(`${hub.baseUrl}${path}`, {
      headers: { authorization: `Bearer ${tokens[who]}`, ...headers },
    });

  const send = (
    who: string,
    method: string,
    path: string,
    body: unknown,
    type = 'application/fhir+json',
  ) =>
    fetch(`${hub.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': type },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  /** Posts a (plausible) lab result for the lab order as `who`. */
  const postResults = (who: string) =>
    send(
      who,
      'POST',
      '/api/lab/results',
      { orderId: labOrder.orderId, results: [{ code: '2823-3', value: 1 }] },
      'application/json',
    );

  const json = async <T>(response: Response): Promise<T> => (await response.json()) as T;

  const placeOrder = async (code: { system: string; code: string }): Promise<Order> => {
    const residentId = makeResidentId({ birthDate: '1960-05-01', gender: 'male' });
    residentIds.push(residentId);
    const bundle = makeOrderBundle({
      org: 'CLINIC-A',
      code,
      patient: makePatient({
        identifier: [{ system: 'urn:oid:2.16.156.10011.1.3', value: residentId }],
      }),
    });
    const response = await send('clinic-a', 'POST', '/fhir', bundle);
    expect(response.status).toBe(200);
    const order = (await json<Bundle>(response)).entry?.[1]?.resource as ServiceRequest;
    const task = await eventually(
      async () =>
        json<Bundle>(
          await get('clinic-a', `/fhir/Task?based-on=ServiceRequest/${order.id}&status=accepted`),
        ),
      (b) => b.total === 1,
      'the centre to accept the order',
    );
    return {
      orderId: order.id!,
      patientId: order.subject.reference!.split('/')[1],
      taskId: task.entry![0].resource!.id!,
    };
  };

  /** Audit rows about one entity by one agent, straight from the table. */
  const auditRows = async (agent: string, entity: string) =>
    (
      await db.query<{ action: string; subtype: string }>(
        `SELECT action, subtype FROM gateway.audit_event WHERE agent_subject = $1 AND entities @> $2::jsonb ORDER BY id`,
        [agent, JSON.stringify([{ type: entity.split('/')[0], id: entity.split('/')[1] }])],
      )
    ).rows;

  beforeAll(async () => {
    hub = await startHub();
    db = new PgClient({ connectionString: hub.databaseUrl });
    await db.connect();
    tokens['clinic-a'] = await clientToken(hub.baseUrl, 'clinic-a', 'clinic-a-secret');
    tokens['clinic-b'] = await clientToken(hub.baseUrl, 'clinic-b', 'clinic-b-secret');
    tokens['lab-analyser'] = await clientToken(hub.baseUrl, 'lab-analyser', 'lab-analyser-secret');
    for (const user of [
      'clinic-a-doctor',
      'labtech',
      'labdoc',
      'radiology-trainee',
      'radiologist',
      'cardiologist',
      'itops',
      'admin',
    ]) {
      tokens[user] = await userToken(hub.baseUrl, user);
    }
    labOrder = await placeOrder({ system: 'http://loinc.org', code: '2823-3' });
    imagingOrder = await placeOrder({ system: 'urn:hub:catalogue', code: 'IMG-CT-HEAD' });
    const posted = await send(
      'lab-analyser',
      'POST',
      '/api/lab/results',
      { orderId: labOrder.orderId, results: [{ code: '2823-3', value: 4.4 }] },
      'application/json',
    );
    expect(posted.status).toBe(201);
    reportId = (await json<{ reportId: string }>(posted)).reportId;
    await eventually(
      async () => (await get('clinic-a', `/fhir/DiagnosticReport/${reportId}`)).status,
      (status) => status === 200,
      'the report to be stored',
    );
  });

  afterAll(async () => {
    await db?.end();
    await hub?.shutdown();
  });

  describe('a member clinic', () => {
    it("cannot read another clinic's patient, order, task or report by id", async () => {
      for (const path of [
        `/fhir/Patient/${labOrder.patientId}`,
        `/fhir/ServiceRequest/${labOrder.orderId}`,
        `/fhir/Task/${labOrder.taskId}`,
        `/fhir/DiagnosticReport/${reportId}`,
        `/fhir/ServiceRequest/${labOrder.orderId}/_history`,
        `/fhir/ServiceRequest/${labOrder.orderId}/_history/1`,
      ]) {
        const response = await get('clinic-b', path);
        expect([path, response.status]).toEqual([path, 404]);
      }
    });

    it('finds nothing of another clinic by searching across tenants', async () => {
      for (const query of [
        `/fhir/ServiceRequest?patient=${labOrder.patientId}`,
        `/fhir/Patient?identifier=urn:oid:2.16.156.10011.1.3|${residentIds[0]}`,
        `/fhir/Observation?based-on=ServiceRequest/${labOrder.orderId}`,
        `/fhir/DiagnosticReport?_id=${reportId}`,
        `/fhir/Task?_id=${labOrder.taskId}`,
      ]) {
        const bundle = await json<Bundle>(await get('clinic-b', query));
        expect([query, bundle.total]).toEqual([query, 0]);
      }
    });

    it("cannot order for another clinic's patient by guessing the id", async () => {
      const response = await send('clinic-b', 'POST', '/fhir/ServiceRequest', {
        ...makeOrderBundle({ org: 'CLINIC-B' }).entry![1].resource,
        subject: { reference: `Patient/${labOrder.patientId}` },
      });
      expect(response.status).toBe(422);
    });

    it('still reads its own orders and results, as a system and as a doctor', async () => {
      for (const who of ['clinic-a', 'clinic-a-doctor']) {
        expect((await get(who, `/fhir/DiagnosticReport/${reportId}`)).status).toBe(200);
        expect((await get(who, `/fhir/ServiceRequest/${imagingOrder.orderId}`)).status).toBe(200);
      }
    });

    it('cannot post lab results, open the queue dashboard or read the audit trail', async () => {
      expect((await postResults('clinic-a')).status).toBe(403);
      expect((await get('clinic-a', '/admin/queues')).status).toBe(403);
      expect((await get('clinic-a-doctor', '/fhir/AuditEvent')).status).toBe(403);
    });
  });

  describe('a centre', () => {
    it('sees the work routed to it and not the work of another centre', async () => {
      expect((await get('labtech', `/fhir/ServiceRequest/${labOrder.orderId}`)).status).toBe(200);
      expect((await get('labtech', `/fhir/Patient/${labOrder.patientId}`)).status).toBe(200);
      expect((await get('labtech', `/fhir/ServiceRequest/${imagingOrder.orderId}`)).status).toBe(
        404,
      );
      expect((await get('labtech', `/fhir/Patient/${imagingOrder.patientId}`)).status).toBe(404);
      expect(
        (await get('radiologist', `/fhir/ServiceRequest/${imagingOrder.orderId}`)).status,
      ).toBe(200);
      expect((await get('radiologist', `/fhir/DiagnosticReport/${reportId}`)).status).toBe(404);
      expect((await get('cardiologist', `/fhir/ServiceRequest/${labOrder.orderId}`)).status).toBe(
        404,
      );
      const labSearch = await json<Bundle>(
        await get(
          'labtech',
          `/fhir/ServiceRequest?_id=${labOrder.orderId},${imagingOrder.orderId}`,
        ),
      );
      expect(labSearch.entry?.map((e) => e.resource?.id)).toEqual([labOrder.orderId]);
    });

    it('cannot place orders or post results for another centre', async () => {
      expect(
        (
          await send(
            'labtech',
            'POST',
            '/fhir/ServiceRequest',
            makeOrderBundle({ org: 'LAB' }).entry![1].resource,
          )
        ).status,
      ).toBe(403);
      expect((await postResults('radiologist')).status).toBe(403);
    });

    it('carries whether a reader is licensed, so a trainee cannot sign alone', async () => {
      const trainee = await userToken(hub.baseUrl, 'radiology-trainee');
      const claims = JSON.parse(Buffer.from(trainee.split('.')[1], 'base64url').toString()) as {
        licensed: boolean;
      };
      expect(claims.licensed).toBe(false);
      const licensed = JSON.parse(
        Buffer.from(tokens.radiologist.split('.')[1], 'base64url').toString(),
      ) as { licensed: boolean };
      expect(licensed.licensed).toBe(true);
    });
  });

  describe('the lab workflow and critical values', () => {
    /** The accession number of an order's specimen, as the ordering clinic reads it. */
    const accessionOf = async (orderId: string) => {
      const order = await json<ServiceRequest>(
        await get('clinic-a', `/fhir/ServiceRequest/${orderId}`),
      );
      const specimen = await json<{ accessionIdentifier?: { value?: string } }>(
        await get('clinic-a', `/fhir/${order.specimen?.[0]?.reference ?? 'Specimen/none'}`),
      );
      return specimen.accessionIdentifier?.value ?? 'none';
    };

    it("keeps a clinic away from another clinic's specimens, and clinics away from the lab's work", async () => {
      const accession = await accessionOf(labOrder.orderId);
      expect((await get('clinic-b', `/api/lab/specimens/${accession}`)).status).toBe(404);
      const now = new Date().toISOString();
      const shipped = await send(
        'clinic-b',
        'POST',
        '/api/lab/batches',
        {
          batchId: 'BOX-B-1',
          courier: 'courier',
          departedAt: now,
          specimens: [{ accession, collectedAt: now, collector: 'nurse' }],
        },
        'application/json',
      );
      expect(shipped.status).toBe(404);
      expect((await get('clinic-a', `/api/lab/specimens/${accession}`)).status).toBe(200);
      expect(
        (
          await send(
            'clinic-a',
            'POST',
            `/api/lab/specimens/${accession}/receipt`,
            {},
            'application/json',
          )
        ).status,
      ).toBe(403);
      expect(
        (
          await send(
            'radiologist',
            'POST',
            `/api/lab/batches/BOX-B-1/receipt`,
            {},
            'application/json',
          )
        ).status,
      ).toBe(403);
      // Verifying is for lab physicians.
      expect(
        (
          await send(
            'labtech',
            'POST',
            `/api/lab/reports/${labOrder.orderId}/verification`,
            undefined,
          )
        ).status,
      ).toBe(403);
    });

    it('shows a critical value only to the ordering clinic and the lab, and only that clinic acknowledges it', async () => {
      const order = await placeOrder({ system: 'http://loinc.org', code: '2823-3' });
      expect(
        (
          await send(
            'lab-analyser',
            'POST',
            '/api/lab/results',
            { orderId: order.orderId, results: [{ code: '2823-3', value: 6.9 }] },
            'application/json',
          )
        ).status,
      ).toBe(201);
      expect(
        (await send('labdoc', 'POST', `/api/lab/reports/${order.orderId}/verification`, undefined))
          .status,
      ).toBe(200);
      const alertsOf = async (who: string) =>
        (
          await json<{ alerts: Array<{ id: string; orderId: string }> }>(
            await get(who, '/api/critical-values'),
          )
        ).alerts.filter((a) => a.orderId === order.orderId);
      const [alert] = await eventually(
        () => alertsOf('clinic-a'),
        (alerts) => alerts.length === 1,
        'the critical value to be raised',
      );
      expect(await alertsOf('labtech')).toHaveLength(1);
      expect(await alertsOf('clinic-b')).toHaveLength(0);
      expect((await get('clinic-b', `/api/critical-values/${alert.id}`)).status).toBe(404);
      expect((await get('radiologist', `/api/critical-values/${alert.id}`)).status).toBe(404);
      expect((await get('itops', '/api/critical-values')).status).toBe(403);
      const ack = (who: string) =>
        send(
          who,
          'POST',
          `/api/critical-values/${alert.id}/acknowledgement`,
          { readBack: '6.9', acknowledgedBy: 'someone' },
          'application/json',
        );
      expect((await ack('clinic-b')).status).toBe(404);
      expect((await ack('labtech')).status).toBe(403);
      expect((await ack('clinic-a')).status).toBe(200);
    });
  });

  describe('DICOMweb and reading', () => {
    let study: { studyInstanceUid: string; seriesInstanceUid: string; sopInstanceUid: string };

    beforeAll(async () => {
      const order = await json<ServiceRequest>(
        await get('clinic-a', `/fhir/ServiceRequest/${imagingOrder.orderId}`),
      );
      const accession = order.identifier?.find((i) => i.type?.coding?.[0]?.code === 'ACSN')?.value;
      const built = buildDicom({ accessionNumber: accession, patientName: 'TEST^ACCESS' });
      study = built;
      const stored = await new DicomwebClient(`${hub.baseUrl}/dicomweb`, tokens['clinic-a']).store([
        { body: built.bytes },
      ]);
      expect(stored.status).toBe(200);
    });

    it("cannot find or retrieve another clinic's study, even with its UIDs", async () => {
      const other = new DicomwebClient(`${hub.baseUrl}/dicomweb`, tokens['clinic-b']);
      expect(
        (await other.search(`studies?StudyInstanceUID=${study.studyInstanceUid}`)).json,
      ).toEqual([]);
      for (const path of [
        `studies/${study.studyInstanceUid}`,
        `studies/${study.studyInstanceUid}/series/${study.seriesInstanceUid}/instances/${study.sopInstanceUid}/rendered`,
        `studies/${study.studyInstanceUid}/metadata`,
      ])
        expect((await other.get(path, '*/*')).status).toBe(404);
      const own = new DicomwebClient(`${hub.baseUrl}/dicomweb`, tokens['clinic-a']);
      expect(
        (await own.get(`studies/${study.studyInstanceUid}/metadata`, 'application/dicom+json'))
          .status,
      ).toBe(200);
      expect((await get('itops', `/dicomweb/studies`)).status).toBe(403);
      expect((await get('labtech', `/dicomweb/studies`)).status).toBe(403);
    });

    it('cannot sign a report without a licence: a trainee signature waits for a licensed co-signer', async () => {
      const api = (who: string, method: string, path: string, body?: unknown) =>
        send(
          who,
          method,
          `/api/imaging/readings/${imagingOrder.orderId}/${path}`,
          body ?? {},
          'application/json',
        );
      await eventually(
        async () => (await api('radiology-trainee', 'POST', 'claim')).status,
        (status) => status === 200,
        'the study to be ready to read',
      );
      expect(
        (
          await api('radiology-trainee', 'PUT', 'draft', {
            findings: '未见异常。',
            impression: '颅脑 CT 平扫未见异常',
          })
        ).status,
      ).toBe(200);
      const signed = await json<{ status: string }>(
        await api('radiology-trainee', 'POST', 'signature'),
      );
      expect(signed.status).toBe('awaiting-cosign');
      expect((await api('radiology-trainee', 'POST', 'cosignature')).status).toBe(403);
      // Clinics and other centres have no part in reading.
      expect((await api('clinic-a', 'POST', 'cosignature')).status).toBe(403);
      expect((await api('cardiologist', 'POST', 'claim')).status).toBe(403);
      // Nothing was released to the clinic.
      const reports = await json<Bundle>(
        await get(
          'clinic-a',
          `/fhir/DiagnosticReport?based-on=ServiceRequest/${imagingOrder.orderId}`,
        ),
      );
      expect(reports.total).toBe(0);
    });
  });

  describe('IT operations', () => {
    it('see the queues but no patient data', async () => {
      expect((await get('itops', `/fhir/ServiceRequest/${labOrder.orderId}`)).status).toBe(403);
      expect((await get('itops', '/fhir/Patient')).status).toBe(403);
      expect((await get('itops', '/admin/queues/api/queues')).status).toBe(200);
      const job = await json<{ job: { data: Record<string, unknown> } }>(
        await get('itops', `/admin/queues/api/queues/lab.orders/order-${labOrder.orderId}`),
      );
      expect(JSON.stringify(job)).not.toContain(residentIds[0]);
    });

    it('alone may replay queued work, and the replay is audited', async () => {
      const replay = (who: string) =>
        send(who, 'PUT', '/admin/queues/api/queues/lab.orders/retry/failed', '');
      expect((await replay('clinic-a')).status).toBe(403);
      expect((await replay('admin')).status).toBe(200);
      expect((await replay('itops')).status).toBe(200);
      const rows = await db.query(
        `SELECT agent_subject FROM gateway.audit_event WHERE type_code = '110100' AND query LIKE '%/retry/failed'`,
      );
      expect(rows.rows.map((r: { agent_subject: string }) => r.agent_subject).sort()).toEqual([
        'admin',
        'itops',
      ]);
    });
  });

  describe('the audit trail', () => {
    it('records exactly one AuditEvent for each read of patient data', async () => {
      const before = await auditRows('clinic-a-doctor', `ServiceRequest/${labOrder.orderId}`);
      expect(
        (await get('clinic-a-doctor', `/fhir/ServiceRequest/${labOrder.orderId}`)).status,
      ).toBe(200);
      const after = await auditRows('clinic-a-doctor', `ServiceRequest/${labOrder.orderId}`);
      expect(after.length - before.length).toBe(1);
      expect(after.at(-1)).toEqual({ action: 'R', subtype: 'read' });

      const searchBefore = await auditRows('clinic-a-doctor', `DiagnosticReport/${reportId}`);
      await get(
        'clinic-a-doctor',
        `/fhir/DiagnosticReport?based-on=ServiceRequest/${labOrder.orderId}`,
      );
      const searchAfter = await auditRows('clinic-a-doctor', `DiagnosticReport/${reportId}`);
      expect(searchAfter.length - searchBefore.length).toBe(1);
      expect(searchAfter.at(-1)).toEqual({ action: 'E', subtype: 'search-type' });
    });

    it('records results posted for an order as a write by whoever posted them', async () => {
      expect(await auditRows('lab-analyser', `ServiceRequest/${labOrder.orderId}`)).toEqual([
        { action: 'C', subtype: 'lab-results' },
      ]);
    });

    it('records refused reads too, so guessing ids shows up', async () => {
      await get('clinic-b', `/fhir/Patient/${imagingOrder.patientId}`);
      const rows = await db.query<{ outcome: string }>(
        `SELECT outcome FROM gateway.audit_event WHERE agent_subject = 'clinic-b' AND entities @> $1::jsonb`,
        [JSON.stringify([{ type: 'Patient', id: imagingOrder.patientId }])],
      );
      expect(rows.rows.map((r) => r.outcome)).toEqual(['4']);
    });

    it('records sign-ins, failed or not, with the address they came from', async () => {
      await fetch(`${hub.baseUrl}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'cardiologist', password: 'wrong' }),
      });
      const rows = await db.query<{ outcome: string; source_ip: string }>(
        `SELECT outcome, source_ip FROM gateway.audit_event WHERE type_code = '110114' AND agent_subject = 'cardiologist' ORDER BY id`,
      );
      expect(rows.rows.map((r) => r.outcome)).toEqual(['0', '4']);
      expect(rows.rows[1].source_ip).toMatch(/127\.0\.0\.1/);
    });

    it('is searchable by administrators as FHIR AuditEvents', async () => {
      const bundle = await json<Bundle>(
        await get('admin', `/fhir/AuditEvent?patient=${labOrder.patientId}&action=R`),
      );
      expect(bundle.total).toBeGreaterThan(0);
      const event = bundle.entry![0].resource as AuditEvent;
      expect(event.resourceType).toBe('AuditEvent');
      expect(event.agent[0].who?.identifier?.value).toBeDefined();
      const one = await get('admin', `/fhir/AuditEvent/${event.id}`);
      expect(one.status).toBe(200);
    });

    it('cannot be written, changed or deleted through the API or in the database', async () => {
      const event = (
        (await json<Bundle>(await get('admin', '/fhir/AuditEvent?_count=1'))).entry![0]
          .resource as AuditEvent
      ).id!;
      expect(
        (await send('admin', 'POST', '/fhir/AuditEvent', { resourceType: 'AuditEvent' })).status,
      ).toBe(405);
      expect(
        (await send('admin', 'PUT', `/fhir/AuditEvent/${event}`, { resourceType: 'AuditEvent' }))
          .status,
      ).toBe(405);
      expect((await send('admin', 'DELETE', `/fhir/AuditEvent/${event}`, '')).status).toBe(405);
      await expect(
        db.query(`UPDATE gateway.audit_event SET agent_subject = 'nobody' WHERE id = $1`, [event]),
      ).rejects.toThrow(/append-only/);
      await expect(
        db.query(`DELETE FROM gateway.audit_event WHERE id = $1`, [event]),
      ).rejects.toThrow(/append-only/);
    });
  });

  describe('sign-in and tokens', () => {
    it('locks an account after repeated failures, even against the right password', async () => {
      await db.query(
        `INSERT INTO gateway.app_user (username, password_hash, display_name, org_code, roles) VALUES ('lockout-test', $1, 'lockout test', 'CLINIC-A', '{clinic-doctor}')`,
        [await hashSecret('right-password')],
      );
      const login = (password: string) =>
        fetch(`${hub.baseUrl}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'lockout-test', password }),
        });
      for (let i = 0; i < 5; i++) expect((await login('wrong')).status).toBe(401);
      const locked = await login('right-password');
      expect(locked.status).toBe(401);
      expect(locked.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await json<{ error_description: string }>(locked)).error_description).toContain(
        'locked',
      );
    });

    it('refreshes a session once per refresh token and revokes a reused one', async () => {
      const login = await json<{ refresh_token: string }>(
        await fetch(`${hub.baseUrl}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'labdoc', password: 'demo-password' }),
        }),
      );
      const refresh = (token: string) =>
        fetch(`${hub.baseUrl}/auth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'refresh_token',
            refresh_token: token,
          }).toString(),
        });
      const first = await refresh(login.refresh_token);
      expect(first.status).toBe(200);
      const rotated = await json<{ access_token: string; refresh_token: string }>(first);
      expect(rotated.access_token).toBeDefined();
      expect((await refresh(login.refresh_token)).status).toBe(401);
      // The reuse revoked the family: the rotated token no longer works either.
      expect((await refresh(rotated.refresh_token)).status).toBe(401);
    });

    it('refuses an expired token', async () => {
      const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const past = Math.floor(Date.now() / 1000) - 60;
      const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ sub: 'admin', kind: 'user', org: 'HUB', roles: ['admin'], iss: 'consortium-hub', iat: past - 3600, exp: past })}`;
      const expired = `${unsigned}.${createHmac('sha256', DEMO_JWT_SECRET).update(unsigned).digest('base64url')}`;
      const response = await fetch(`${hub.fhirUrl}/Organization`, {
        headers: { authorization: `Bearer ${expired}` },
      });
      expect(response.status).toBe(401);
      expect((await json<OperationOutcome>(response)).resourceType).toBe('OperationOutcome');
    });

    it('refuses an oversized sign-in body', async () => {
      const response = await fetch(`${hub.baseUrl}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: 'x'.repeat(20_000) }),
      });
      expect(response.status).toBe(413);
    });
  });

  describe('HTTP hardening', () => {
    it('sends security headers and no CORS grant to an unknown origin', async () => {
      const response = await fetch(`${hub.fhirUrl}/metadata`, {
        headers: { authorization: `Bearer ${tokens['clinic-a']}`, origin: 'https://evil.example' },
      });
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('strict-transport-security')).toContain('max-age');
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('x-powered-by')).toBeNull();
    });

    it('never repeats an identity number in an error message', async () => {
      const residentId = makeResidentId();
      const response = await get('clinic-a', `/fhir/Patient?birthdate=${residentId}`);
      expect(response.status).toBe(400);
      const text = await response.text();
      expect(text).not.toContain(residentId);
      expect(text).toContain(`${residentId.slice(0, 6)}********${residentId.slice(-4)}`);
    });

    it('writes no unmasked identity number to any log', () => {
      const logs = Object.values(hub.output).flat().join('\n');
      for (const residentId of residentIds) expect(logs).not.toContain(residentId);
    });
  });
});
