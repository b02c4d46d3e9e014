import type { Bundle, Patient, Specimen, Task } from 'fhir/r4';
import { Client as PgClient } from 'pg';
import { clientToken } from '../support/auth-client';
import { breakCheckChar, makePlacerNumber, makeResidentId } from '../support/factories';
import { type RunningHub, eventually, startHub } from '../support/hub-harness';
import { MllpClient, hl7Field } from '../support/mllp-client';

jest.setTimeout(120_000);

/** An order message as a township HIS sends it. */
function orderMessage(options: {
  type?: string;
  facility?: string;
  residentId?: string;
  placer?: string;
  code?: string;
  codingSystem?: string;
  charset?: string;
  name?: [string, string];
  birthDate?: string;
  sex?: string;
  /** ORC-16: an override reason (结果互认), e.g. emergency^急诊. */
  orcReason?: string;
  controlId?: string;
  control?: string;
}): string {
  const controlId = options.controlId ?? `C${Date.now()}${Math.floor(Math.random() * 1000)}`;
  const [family, given] = options.name ?? ['王', '小明'];
  const residentId = options.residentId ?? makeResidentId();
  const type = options.type ?? 'ORM^O01^ORM_O01';
  return [
    `MSH|^~\\&|HIS|${options.facility ?? 'CLINIC-A'}|HUB|HUB|20261123083000+0800||${type}|${controlId}|P|2.5.1|||||CHN|${options.charset ?? 'UNICODE UTF-8'}`,
    // Birth date and sex as the number says (a registration contradicting it is refused).
    `PID|1||${residentId}^^^&2.16.156.10011.1.3&ISO^NNCHN~MRN-${residentId.slice(-8)}^^^CLINIC-A^MR||${family}^${given}||${options.birthDate ?? residentId.slice(6, 14)}|${options.sex ?? (Number(residentId[16]) % 2 ? 'M' : 'F')}`,
    `ORC|${options.control ?? 'NW'}|${options.placer ?? makePlacerNumber()}^HIS|||||^^^^^R${options.orcReason ? `${'|'.repeat(9)}${options.orcReason}` : ''}`,
    `OBR|1|||${options.code ?? '2823-3'}^Potassium^${options.codingSystem ?? 'LN'}|||20261123082000`,
  ].join('\r');
}

/**
 * HL7 v2 orders over a real MLLP connection (and POST /hl7): orders reach their centre through the
 * same intake as FHIR, with AA only once stored, and every refusal answered with AE/AR and an ERR
 * that names the problem.
 */
describe('HL7 v2 inbound orders (e2e)', () => {
  let hub: RunningHub;
  let mllp: MllpClient;
  let db: PgClient;
  let token: string;

  const search = async (path: string): Promise<Bundle> =>
    (await (
      await fetch(`${hub.fhirUrl}/${path}`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as Bundle;

  const ordersWithPlacer = async (placer: string) =>
    (
      await db.query<{ order_id: string; centre: string }>(
        `SELECT order_id, centre FROM gateway.service_order WHERE placer_value = $1`,
        [placer],
      )
    ).rows;

  beforeAll(async () => {
    hub = await startHub();
    mllp = await MllpClient.connect(hub.hl7Port);
    db = new PgClient({ connectionString: hub.databaseUrl });
    await db.connect();
    token = await clientToken(hub.baseUrl, 'clinic-a', 'clinic-a-secret');
  });

  afterAll(async () => {
    mllp?.close();
    await db?.end();
    await hub?.shutdown();
  });

  it('routes a UTF-8 ORM^O01 to the lab and answers ORR^O02 with the specimen accession number', async () => {
    const placer = makePlacerNumber();
    const ack = await mllp.send(orderMessage({ placer }));
    expect(hl7Field(ack, 'MSA', 1)).toBe('AA');
    expect(hl7Field(ack, 'MSH', 9)).toBe('ORR^O02^ORR_O02');
    const [order] = await ordersWithPlacer(placer);
    expect(order.centre).toBe('lab');
    expect(hl7Field(ack, 'ORC', 1)).toBe('OK');
    expect(hl7Field(ack, 'ORC', 2)).toBe(placer);
    const accession = hl7Field(ack, 'OBR', 20);
    const specimens = await search(`Specimen?accession=${accession}`);
    expect(specimens.total).toBe(1);
    expect((specimens.entry?.[0]?.resource as Specimen).request?.[0]?.reference).toBe(
      `ServiceRequest/${order.order_id}`,
    );
    const tasks = await eventually(
      () => search(`Task?based-on=ServiceRequest/${order.order_id}`),
      (bundle) => (bundle.entry?.[0]?.resource as Task | undefined)?.status === 'accepted',
      'the lab to accept the HL7 order',
    );
    expect(tasks.total).toBe(1);
  });

  it('decodes a GB 18030 OML^O21 with a Chinese name and answers in GB 18030', async () => {
    const placer = makePlacerNumber();
    const residentId = makeResidentId();
    const ack = await mllp.send(
      orderMessage({
        type: 'OML^O21^OML_O21',
        placer,
        residentId,
        charset: 'GB 18030-2000',
        name: ['欧阳', '娜娜'],
        code: 'IMG-CT-HEAD',
        codingSystem: 'L',
      }),
      'gb18030',
    );
    expect(hl7Field(ack, 'MSA', 1)).toBe('AA');
    expect(hl7Field(ack, 'MSH', 9)).toBe('ORL^O22^ORL_O22');
    expect(hl7Field(ack, 'MSH', 18)).toBe('GB 18030-2000');
    // An imaging order has no specimen to label.
    expect(ack.split('\r').some((segment) => segment.startsWith('SPM'))).toBe(false);
    const [order] = await ordersWithPlacer(placer);
    expect(order.centre).toBe('imaging');
    const patients = await search(`Patient?identifier=urn:oid:2.16.156.10011.1.3|${residentId}`);
    expect((patients.entry?.[0]?.resource as Patient).name?.[0]).toMatchObject({
      family: '欧阳',
      given: ['娜娜'],
    });
  });

  it('does not duplicate a resubmitted order', async () => {
    const placer = makePlacerNumber();
    const residentId = makeResidentId();
    expect(hl7Field(await mllp.send(orderMessage({ placer, residentId })), 'MSA', 1)).toBe('AA');
    expect(hl7Field(await mllp.send(orderMessage({ placer, residentId })), 'MSA', 1)).toBe('AA');
    expect(await ordersWithPlacer(placer)).toHaveLength(1);
  });

  type Variation = Parameters<typeof orderMessage>[0];
  it.each<[string, Variation, string, string, string]>([
    ['an unknown facility', { facility: 'NOWHERE' }, 'AR', '204', 'MSH^1^4'],
    [
      'a member sending from an address it has not registered',
      { facility: 'CLINIC-C' },
      'AR',
      '204',
      'MSH^1^4',
    ],
    ['an unsupported message type', { type: 'ADT^A01^ADT_A01' }, 'AR', '200', 'MSH^1^9'],
    [
      'a bad identity number',
      { residentId: breakCheckChar(makeResidentId()) },
      'AE',
      '102',
      'PID^1^3',
    ],
    [
      'an impossible birth date in the identity number',
      { residentId: makeResidentId({ birthDate: '1999-02-31' }) },
      'AE',
      '102',
      'PID^1^3',
    ],
    [
      'a birth date the identity number contradicts',
      { residentId: makeResidentId({ birthDate: '1970-06-01' }), birthDate: '19700602' },
      'AE',
      '102',
      'PID^1^7',
    ],
    [
      'a sex the identity number contradicts',
      { residentId: makeResidentId({ gender: 'male' }), sex: 'F' },
      'AE',
      '102',
      'PID^1^8',
    ],
    [
      'an override reason the hub does not know',
      { orcReason: 'bored^无聊' },
      'AE',
      '102',
      'ORC^1^16',
    ],
    ['an unknown catalogue code', { code: '99999-9' }, 'AE', '103', 'OBR^1^4'],
    ['a missing placer number', { placer: '' }, 'AE', '101', 'ORC^1^2'],
    ['an unknown character set', { charset: 'EBCDIC' }, 'AR', '103', 'MSH^1^18'],
  ])(
    'refuses %s with %s and an ERR that names it, storing no order',
    async (_what, options, code, errCode, location) => {
      const placer = options.placer ?? makePlacerNumber();
      const ack = await mllp.send(orderMessage({ ...options, placer }));
      expect(hl7Field(ack, 'MSA', 1)).toBe(code);
      expect(hl7Field(ack, 'ERR', 3).split('^')[0]).toBe(errCode);
      expect(hl7Field(ack, 'ERR', 2)).toBe(location);
      expect(hl7Field(ack, 'ERR', 8).length).toBeGreaterThan(10);
      if (placer) expect(await ordersWithPlacer(placer)).toHaveLength(0);
    },
  );

  it('records an override of mutual recognition given in ORC-16', async () => {
    const placer = makePlacerNumber();
    const ack = await mllp.send(orderMessage({ placer, orcReason: 'emergency^急诊抢救' }));
    expect(hl7Field(ack, 'MSA', 1)).toBe('AA');
    const rows = await db.query<{ decision: string; reason_code: string; reason_text: string }>(
      `SELECT d.decision, d.reason_code, d.reason_text FROM gateway.recognition_decision d
         JOIN gateway.service_order o USING (order_id) WHERE o.placer_value = $1`,
      [placer],
    );
    expect(rows.rows).toEqual([
      { decision: 'override', reason_code: 'emergency', reason_text: '急诊抢救' },
    ]);
  });

  it('answers messages pipelined on one connection in order, losing none', async () => {
    const placers = Array.from({ length: 60 }, () => makePlacerNumber());
    const acks = await Promise.all(
      placers.map((placer, i) =>
        mllp.send(orderMessage({ placer, controlId: `PIPE${i}-${placer}` })),
      ),
    );
    expect(acks.map((ack) => hl7Field(ack, 'MSA', 2))).toEqual(
      placers.map((placer, i) => `PIPE${i}-${placer}`),
    );
    expect(acks.every((ack) => hl7Field(ack, 'MSA', 1) === 'AA')).toBe(true);
    const stored = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM gateway.service_order WHERE placer_value = ANY($1)`,
      [placers],
    );
    expect(stored.rows[0].n).toBe(60);
  });

  it('answers a message over 10 MB with AR naming the limit, stores nothing of it and goes on', async () => {
    const placer = makePlacerNumber();
    const huge = orderMessage({ placer, controlId: `HUGE-${placer}` }).replace(
      /\rOBR\|/,
      `\rNTE|1||${'x'.repeat(11 * 1024 * 1024)}\rOBR|`,
    );
    const ack = await mllp.send(huge, 'utf-8', 60_000);
    expect(hl7Field(ack, 'MSA', 1)).toBe('AR');
    expect(hl7Field(ack, 'MSA', 2)).toBe(`HUGE-${placer}`);
    expect(ack).toMatch(/up to 10485760 bytes/);
    const stored = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM gateway.service_order WHERE placer_value = $1`,
      [placer],
    );
    expect(stored.rows[0].n).toBe(0);
    expect(hl7Field(await mllp.send(orderMessage({})), 'MSA', 1)).toBe('AA');
  });

  it('answers an unparseable message with AR and keeps the connection usable', async () => {
    const ack = await mllp.sendRaw(Buffer.from('this is not HL7'));
    expect(hl7Field(ack, 'MSA', 1)).toBe('AR');
    expect(hl7Field(await mllp.send(orderMessage({})), 'MSA', 1)).toBe('AA');
  });

  it('logs every message with its raw bytes, status and ACK, and never an identity number in the app logs', async () => {
    const rows = await db.query<{ status: string; ack_code: string; n: number }>(
      `SELECT status, ack_code, count(*)::int AS n FROM gateway.hl7_message WHERE direction = 'in' GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    const byStatus = Object.fromEntries(rows.rows.map((r) => [`${r.status}/${r.ack_code}`, r.n]));
    expect(byStatus['processed/AA']).toBeGreaterThanOrEqual(5);
    expect((byStatus['refused/AE'] ?? 0) + (byStatus['refused/AR'] ?? 0)).toBeGreaterThanOrEqual(7);
    const logs = Object.values(hub.output).flat().join('\n');
    expect(logs).not.toMatch(/\d{6}(19|20)\d{6}\d{3}[\dX]/);
  });

  describe('cancels (ORC-1 = CA)', () => {
    it('cancels an order the lab has not completed: Task cancelled, request revoked, lab told, results refused', async () => {
      const placer = makePlacerNumber();
      const residentId = makeResidentId();
      expect(hl7Field(await mllp.send(orderMessage({ placer, residentId })), 'MSA', 1)).toBe('AA');
      const [{ order_id: orderId }] = await ordersWithPlacer(placer);
      await eventually(
        () => search(`Task?based-on=ServiceRequest/${orderId}&status=accepted`),
        (bundle) => bundle.total === 1,
        'the lab to accept the order',
      );
      const cancel = await mllp.send(orderMessage({ placer, residentId, control: 'CA' }));
      expect(hl7Field(cancel, 'MSA', 1)).toBe('AA');
      expect(
        ((await search(`Task?based-on=ServiceRequest/${orderId}`)).entry?.[0]?.resource as Task)
          .status,
      ).toBe('cancelled');
      expect((await search(`ServiceRequest?_id=${orderId}&status=revoked`)).total).toBe(1);
      await eventually(
        async () =>
          (
            await db.query<{ status: string }>(
              `SELECT status FROM lab.received_order WHERE order_id = $1`,
              [orderId],
            )
          ).rows[0]?.status,
        (status) => status === 'cancelled',
        'the lab to record the cancel',
      );
      const labtech = await clientToken(hub.baseUrl, 'lab-analyser', 'lab-analyser-secret');
      const results = await fetch(`${hub.baseUrl}/api/lab/results`, {
        method: 'POST',
        headers: { authorization: `Bearer ${labtech}`, 'content-type': 'application/json' },
        body: JSON.stringify({ orderId, results: [{ code: '2823-3', value: 4.2 }] }),
      });
      expect(results.status).toBe(409);
      // A repeated cancel is harmless.
      expect(
        hl7Field(await mllp.send(orderMessage({ placer, residentId, control: 'CA' })), 'MSA', 1),
      ).toBe('AA');
    });

    it('refuses to cancel an order it does not know, naming ORC-2', async () => {
      const ack = await mllp.send(orderMessage({ control: 'CA' }));
      expect(hl7Field(ack, 'MSA', 1)).toBe('AE');
      expect(hl7Field(ack, 'ERR', 2)).toBe('ORC^1^2');
    });
  });

  describe('results from the lab analysers (ORU^R01)', () => {
    const resultMessage = (options: {
      facility?: string;
      filler: string;
      unit?: string;
      value?: string;
    }) =>
      [
        `MSH|^~\\&|LIS|${options.facility ?? 'LAB'}|HUB|HUB|20261123093000+0800||ORU^R01^ORU_R01|R${Date.now()}|P|2.5.1|||||CHN|UNICODE UTF-8`,
        'PID|1||^^^^NNCHN',
        `OBR|1||${options.filler}|2823-3^Potassium^LN`,
        `OBX|1|NM|2823-3^Potassium^LN||${options.value ?? '4.5'}|${options.unit ?? 'mmol/L'}^^UCUM|3.5-5.3|H|||F|||20261123092500+0800`,
      ].join('\r');

    let fillerNumber: string;
    let orderId: string;

    beforeAll(async () => {
      const placer = makePlacerNumber();
      expect(hl7Field(await mllp.send(orderMessage({ placer })), 'MSA', 1)).toBe('AA');
      [{ order_id: orderId }] = await ordersWithPlacer(placer);
      const numbers = await db.query<{ order_number: string }>(
        `SELECT order_number FROM gateway.service_order WHERE order_id = $1`,
        [orderId],
      );
      fillerNumber = numbers.rows[0].order_number;
      await eventually(
        () => search(`Task?based-on=ServiceRequest/${orderId}&status=accepted`),
        (bundle) => bundle.total === 1,
        'the lab to accept the order',
      );
    });

    it('refuses a unit that is not the analyte’s, naming OBX-6, and stores nothing', async () => {
      const ack = await mllp.send(resultMessage({ filler: fillerNumber, unit: 'mg/dL' }));
      expect(hl7Field(ack, 'MSA', 1)).toBe('AE');
      expect(hl7Field(ack, 'ERR', 2)).toBe('OBX^1^6');
      expect((await search(`DiagnosticReport?based-on=ServiceRequest/${orderId}`)).total).toBe(0);
    });

    it('refuses results from a clinic and for an unknown order number', async () => {
      expect(
        hl7Field(
          await mllp.send(resultMessage({ filler: fillerNumber, facility: 'CLINIC-A' })),
          'MSA',
          1,
        ),
      ).toBe('AR');
      const unknown = await mllp.send(resultMessage({ filler: 'HUB20990101999999' }));
      expect(hl7Field(unknown, 'MSA', 1)).toBe('AE');
      expect(hl7Field(unknown, 'ERR', 2)).toBe('OBR^1^3');
    });

    it('turns an analyser result into a final report the clinic reads over FHIR, flagged by the hub and released by the autoverification rule', async () => {
      const ack = await mllp.send(resultMessage({ filler: fillerNumber }));
      expect(hl7Field(ack, 'MSA', 1)).toBe('AA');
      const reports = await eventually(
        () => search(`DiagnosticReport?based-on=ServiceRequest/${orderId}`),
        (bundle) => bundle.total === 1,
        'the report to reach the consortium record',
      );
      const observations = await search(`Observation?based-on=ServiceRequest/${orderId}`);
      const observation = observations.entry?.[0]?.resource as {
        valueQuantity: { value: number };
        interpretation: Array<{ coding: Array<{ code: string }> }>;
        effectiveDateTime: string;
      };
      expect(observation.valueQuantity.value).toBe(4.5);
      // OBX-8 said H; the hub computes N from its own range, so the rule for hl7:LAB releases it.
      expect(observation.interpretation[0].coding[0].code).toBe('N');
      expect((reports.entry?.[0]?.resource as { status?: string }).status).toBe('final');
      expect(observation.effectiveDateTime).toBe('2026-11-23T01:25:00.000Z');
      expect(reports.entry?.[0]?.resource?.id).toBeDefined();
    });
  });

  describe('the message log for IT staff', () => {
    const api = async (who: string, path: string, method = 'GET') => {
      const userToken = (await import('../support/auth-client')).userToken;
      return fetch(`${hub.baseUrl}/api/hl7/messages${path}`, {
        method,
        headers: { authorization: `Bearer ${await userToken(hub.baseUrl, who)}` },
      });
    };

    it('finds a message by control id and shows it with the identity number and name masked', async () => {
      const residentId = makeResidentId();
      const controlId = `LOG${Date.now()}`;
      await mllp.send(orderMessage({ residentId, controlId, name: ['诸葛', '亮'] }));
      const found = (await (await api('itops', `?controlId=${controlId}`)).json()) as {
        total: number;
        entries: Array<{ id: string; status: string; ackCode: string }>;
      };
      expect(found.total).toBe(1);
      expect(found.entries[0]).toMatchObject({ status: 'processed', ackCode: 'AA' });
      const detail = (await (await api('itops', `/${found.entries[0].id}`)).json()) as {
        text: string;
        ack: string;
      };
      expect(detail.text).not.toContain(residentId);
      expect(detail.text).toContain(`${residentId.slice(0, 6)}********${residentId.slice(-4)}`);
      expect(detail.text).not.toMatch(/诸葛|亮/);
      expect(detail.ack).toContain('MSA|AA');
    });

    it('is closed to clinics', async () => {
      expect((await api('clinic-a-doctor', '')).status).toBe(403);
    });

    it('replays a refused message once the cause is fixed, logging and auditing the replay', async () => {
      const placer = makePlacerNumber();
      const controlId = `RPL${Date.now()}`;
      const refused = await mllp.send(
        orderMessage({ placer, controlId, code: 'IMG-XR-HAND', codingSystem: 'L' }),
      );
      expect(hl7Field(refused, 'MSA', 1)).toBe('AE');
      // The consortium adds the item to its catalogue…
      await db.query(
        `INSERT INTO gateway.catalogue_item (system, code, display, display_zh, centre, price, turnaround_minutes)
         VALUES ('urn:hub:catalogue', 'IMG-XR-HAND', 'XR hand', '手部X线', 'imaging', 60, '{"routine":60,"urgent":30,"stat":30}') ON CONFLICT DO NOTHING`,
      );
      const [original] = (
        (await (await api('itops', `?controlId=${controlId}`)).json()) as {
          entries: Array<{ id: string }>;
        }
      ).entries;
      expect((await api('clinic-a-doctor', `/${original.id}/replay`, 'POST')).status).toBe(403);
      const replay = (await (await api('itops', `/${original.id}/replay`, 'POST')).json()) as {
        status: string;
        ackCode: string;
        replayOf: string;
      };
      expect(replay).toMatchObject({ status: 'processed', ackCode: 'AA', replayOf: original.id });
      expect(await ordersWithPlacer(placer)).toHaveLength(1);
      const audited = await db.query(
        `SELECT agent_subject FROM gateway.audit_event WHERE subtype = 'hl7-replay'`,
      );
      expect(audited.rows).toEqual([{ agent_subject: 'itops' }]);
    });
  });

  it('counts messages and their latency on /metrics for IT staff', async () => {
    const { userToken } = await import('../support/auth-client');
    const metrics = await fetch(`${hub.baseUrl}/metrics`, {
      headers: { authorization: `Bearer ${await userToken(hub.baseUrl, 'itops')}` },
    });
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toMatch(
      /hub_hl7_messages_total\{direction="in",type="ORM\^O01",facility="CLINIC-A",ack="AA"\} \d+/,
    );
    expect(text).toMatch(
      /hub_hl7_processing_seconds_bucket\{le="0.5",type="ORM\^O01",facility="CLINIC-A"\} \d+/,
    );
    expect(text).not.toContain('NOWHERE');
    expect(
      (await fetch(`${hub.baseUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } }))
        .status,
    ).toBe(403);
  });

  it('takes the same message over POST /hl7 for the caller’s own facility only', async () => {
    const post = (message: string) =>
      fetch(`${hub.baseUrl}/hl7`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'x-application/hl7-v2+er7' },
        body: message,
      });
    const placer = makePlacerNumber();
    const accepted = await post(orderMessage({ placer }));
    expect(accepted.status).toBe(200);
    expect(hl7Field(await accepted.text(), 'MSA', 1)).toBe('AA');
    expect(await ordersWithPlacer(placer)).toHaveLength(1);
    const asOther = await post(orderMessage({ facility: 'CLINIC-B' }));
    expect(hl7Field(await asOther.text(), 'MSA', 1)).toBe('AR');
    const anonymous = await fetch(`${hub.baseUrl}/hl7`, { method: 'POST', body: orderMessage({}) });
    expect(anonymous.status).toBe(401);
  });
});
