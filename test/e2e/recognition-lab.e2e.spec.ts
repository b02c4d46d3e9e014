import type {
  Bundle,
  DiagnosticReport,
  Extension,
  Observation,
  Parameters,
  ParametersParameter,
  Patient,
  ServiceRequest,
  Task,
} from 'fhir/r4';
import { demoCatalogue, demoOrganizations } from '@hub/consortium';
import { RESIDENT_ID_SYSTEM } from '@hub/identity';
import { clientToken, userToken } from '../support/auth-client';
import { makeOrderBundle, makePatient } from '../support/factories';
import { type RunningHub, eventually, startHub } from '../support/hub-harness';
import { type HubCall, orderLabTest, shipAndReceive } from '../support/lab-client';

jest.setTimeout(180_000);

const POTASSIUM = { system: 'http://loinc.org', code: '2823-3' };
const DAY = 86_400_000;
const HR = { system: 'urn:hub:recognition', code: 'HR' };
/** The analyser's potassium (mmol/L): high, not critical, so a lab physician must verify it. */
const MEASURED = 5.6;

/** The calendar day (YYYY-MM-DD) in China of a moment: the day EQA results are dated by. */
const dayInChina = (time: number) =>
  new Date(time).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });

/**
 * Mutual recognition (检查检验结果互认) of a lab result end to end: clinic A's potassium goes the
 * whole lab walk (specimen collected, boxed, received; the analyser's result verified by a lab
 * physician) and is released with the HR mark because the lab passed its EQA for the item; clinic B
 * is offered it at the moment of ordering and reuses it, so nothing goes to the lab; a result
 * older than the item's window, or observed once the lab's EQA for the item had lapsed, is not
 * offered; the figures count the duplicate avoided.
 */
describe('mutual recognition of a lab result (e2e)', () => {
  let hub: RunningHub;
  let validityDays: number;
  const tokens: Record<string, string> = {};

  const call: HubCall = async <T>(who: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${hub.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${tokens[who]}`,
        ...(body === undefined
          ? {}
          : {
              'content-type': path.startsWith('/fhir')
                ? 'application/fhir+json'
                : 'application/json',
            }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };

  /**
   * Clinic A's potassium for the patient: the specimen collected `daysAgo` days (and twenty minutes)
   * ago and received at the lab a quarter of an hour later; the analyser's result (high, so it waits
   * for a person) verified by a lab physician. The final report as clinic A reads it, and when the
   * specimen was collected.
   */
  const reportedPotassium = async (patient: Patient, daysAgo: number) => {
    const order = await orderLabTest(call, {
      clinic: 'clinic-a',
      org: 'CLINIC-A',
      lab: 'labtech',
      patient,
      code: POTASSIUM,
    });
    const collectedAt = new Date(Date.now() - daysAgo * DAY - 20 * 60_000);
    const received = await shipAndReceive(call, {
      clinic: 'clinic-a',
      lab: 'labtech',
      accessions: [order.accession],
      collectedAt,
      receivedAt: new Date(collectedAt.getTime() + 15 * 60_000),
    });
    expect(received.body.map((s) => s.status)).toEqual(['received']);
    // The analyser states no time: the lab dates the result by the specimen's collection.
    const posted = await call<{ status: string }>('lab-analyser', 'POST', '/api/lab/results', {
      orderId: order.orderId,
      results: [{ code: POTASSIUM.code, value: MEASURED }],
    });
    expect(posted.body.status).toBe('preliminary');
    const verified = await call<{ status: string }>(
      'labdoc',
      'POST',
      `/api/lab/reports/${order.orderId}/verification`,
    );
    expect(verified.body.status).toBe('final');
    const report = await eventually(
      async () =>
        (
          await call<Bundle>(
            'clinic-a',
            'GET',
            `/fhir/DiagnosticReport?based-on=ServiceRequest/${order.orderId}`,
          )
        ).body.entry?.[0]?.resource as DiagnosticReport | undefined,
      (r) => r?.status === 'final',
      'the potassium report in the record',
    );
    return { report: report as DiagnosticReport, collectedAt };
  };

  const residentIdOf = (patient: Patient) => patient.identifier?.[0]?.value ?? '';

  const check = (who: string, patient: Patient) =>
    call<Parameters>(who, 'POST', '/fhir/ServiceRequest/$recognition-check', {
      resourceType: 'Parameters',
      parameter: [
        {
          name: 'patient',
          valueIdentifier: { system: RESIDENT_ID_SYSTEM, value: residentIdOf(patient) },
        },
        { name: 'code', valueCoding: POTASSIUM },
      ],
    });
  const part = (parameter: ParametersParameter | undefined, name: string) =>
    parameter?.part?.filter((p) => p.name === name) ?? [];
  const reasonOf = (result: ParametersParameter | undefined) =>
    part(result, 'reason')[0]?.valueCodeableConcept?.coding?.[0]?.code;

  /** Clinic B's potassium order for the patient, with what it decided about the prior. */
  const orderB = async (patient: Patient, extension?: Extension[]) => {
    const bundle = makeOrderBundle({ org: 'CLINIC-B', code: POTASSIUM, patient });
    const request = bundle.entry?.[1]?.resource as ServiceRequest;
    if (extension) request.extension = extension;
    const answer = await call<Bundle>('clinic-b', 'POST', '/fhir', bundle);
    return { status: answer.status, order: answer.body.entry?.[1]?.resource as ServiceRequest };
  };
  const reuse = (reference: string): Extension[] => [
    { url: 'urn:hub:recognition-reuse', valueReference: { reference } },
  ];
  const taskOf = async (orderId: string) =>
    (await call<Bundle>('clinic-b', 'GET', `/fhir/Task?based-on=ServiceRequest/${orderId}`)).body
      .entry?.[0]?.resource as Task | undefined;

  beforeAll(async () => {
    hub = await startHub();
    for (const client of ['clinic-a', 'clinic-b', 'lab-analyser'])
      tokens[client] = await clientToken(hub.baseUrl, client, `${client}-secret`);
    for (const user of ['labtech', 'labdoc', 'admin'])
      tokens[user] = await userToken(hub.baseUrl, user);
    // The item's window as the consortium configured it (electrolytes: 7 days).
    const rules = await call<Array<{ code: string; recognized: boolean; validityDays: number }>>(
      'admin',
      'GET',
      '/api/recognition/rules',
    );
    const rule = rules.body.find((r) => r.code === POTASSIUM.code);
    expect(rule?.recognized).toBe(true);
    validityDays = rule?.validityDays ?? 0;
  });

  afterAll(async () => {
    await hub?.shutdown();
  });

  it('releases clinic A’s potassium with the HR mark and offers it to clinic B inside its window only', async () => {
    // The lab passed the EQA for potassium: that is what earns its results the mark.
    const eqa = await call<Array<{ passed: boolean }>>(
      'admin',
      'GET',
      `/api/recognition/eqa?centre=LAB&code=${POTASSIUM.code}`,
    );
    expect(eqa.body[0]?.passed).toBe(true);

    const patient = makePatient({ gender: 'female', birthDate: '1962-03-08' });
    const { report, collectedAt } = await reportedPotassium(patient, 2);
    expect(report.meta?.tag).toContainEqual(expect.objectContaining(HR));
    // Dated by the specimen's collection, not by when it was measured or released.
    expect(new Date(report.effectiveDateTime ?? '').getTime()).toBe(collectedAt.getTime());

    const answer = await check('clinic-b', patient);
    expect(answer.status).toBe(200);
    const [result] = answer.body.parameter ?? [];
    expect(part(result, 'recognized')[0]?.valueBoolean).toBe(true);
    const [prior] = part(result, 'prior');
    expect(part(prior, 'report')[0]?.valueReference?.reference).toBe(
      `DiagnosticReport/${report.id}`,
    );
    expect(part(prior, 'mark')[0]?.valueString).toBe('HR');
    expect(part(prior, 'performer')[0]?.valueString).toBe(
      demoOrganizations.find((o) => o.centre === 'lab')?.name,
    );
    // The window counts from the collection.
    expect(new Date(part(prior, 'date')[0]?.valueDateTime ?? '').getTime()).toBe(
      collectedAt.getTime(),
    );
    expect(new Date(part(prior, 'validUntil')[0]?.valueDateTime ?? '').getTime()).toBe(
      collectedAt.getTime() + validityDays * DAY,
    );
    const shown = part(prior, 'resource')[0]?.resource as DiagnosticReport;
    expect(shown.status).toBe('final');
    expect(shown.code.coding?.[0]?.code).toBe(POTASSIUM.code);
    // Only through the check: clinic B cannot read clinic A's report directly.
    expect((await call('clinic-b', 'GET', `/fhir/DiagnosticReport/${report.id}`)).status).toBe(404);

    // A specimen collected a day longer ago than the window: marked when released, not offered now.
    const earlier = makePatient({ gender: 'male', birthDate: '1955-11-20' });
    const stale = await reportedPotassium(earlier, validityDays + 1);
    expect(stale.report.meta?.tag).toContainEqual(expect.objectContaining(HR));
    const late = (await check('clinic-b', earlier)).body.parameter?.[0];
    expect(part(late, 'recognized')[0]?.valueBoolean).toBe(false);
    expect(part(late, 'prior')).toEqual([]);
    expect(reasonOf(late)).toBe('outside-window');
    expect(part(late, 'reason')[0]?.valueCodeableConcept?.text).toContain(
      `DiagnosticReport/${stale.report.id}`,
    );
    // Nor can clinic B reuse it by naming it.
    const refused = await orderB(earlier, reuse(`DiagnosticReport/${stale.report.id}`));
    expect(refused.status).toBe(422);
  });

  it('completes clinic B’s order with the reused potassium without sending anything to the lab, and counts it', async () => {
    const patient = makePatient({ gender: 'male', birthDate: '1949-07-15' });
    const { report } = await reportedPotassium(patient, 1);
    // Clinic B asks at the moment of ordering and reuses what it is offered.
    const [result] = (await check('clinic-b', patient)).body.parameter ?? [];
    const offered = part(part(result, 'prior')[0], 'report')[0]?.valueReference?.reference ?? '';
    expect(offered).toBe(`DiagnosticReport/${report.id}`);

    const reused = await orderB(patient, reuse(offered));
    expect(reused.status).toBe(200);
    expect(reused.order.status).toBe('completed');
    expect(reused.order.supportingInfo?.map((s) => s.reference)).toEqual([offered]);
    // No specimen to collect: there is no tube to label.
    expect(reused.order.specimen).toBeUndefined();
    const orderId = reused.order.id ?? '';
    const task = await taskOf(orderId);
    expect(task?.status).toBe('completed');
    expect(task?.output?.map((o) => o.valueReference?.reference)).toEqual([offered]);

    // Clinic B may now read the reused report and its potassium.
    const read = await call<DiagnosticReport>('clinic-b', 'GET', `/fhir/${offered}`);
    expect(read.status).toBe(200);
    expect(read.body.meta?.tag).toContainEqual(expect.objectContaining(HR));
    const observation = await call<Observation>(
      'clinic-b',
      'GET',
      `/fhir/${read.body.result?.[0]?.reference}`,
    );
    expect(observation.status).toBe(200);
    expect(observation.body.valueQuantity).toMatchObject({ value: MEASURED, unit: 'mmol/L' });

    // An order with a reason to repeat the test goes to the lab as usual (potassium changes fast).
    const repeated = await orderB(patient, [
      {
        url: 'urn:hub:recognition-override',
        valueCodeableConcept: {
          coding: [{ system: 'urn:hub:recognition-override-reason', code: 'fast-changing' }],
          text: '补钾后复查 recheck after potassium replacement',
        },
      },
    ]);
    expect(repeated.status).toBe(200);
    const repeatedSpecimen = await call<{ accessionIdentifier?: { value?: string } }>(
      'clinic-b',
      'GET',
      `/fhir/${repeated.order.specimen?.[0]?.reference}`,
    );
    const accession = repeatedSpecimen.body.accessionIdentifier?.value ?? '';
    await eventually(
      () => call('labtech', 'GET', `/api/lab/specimens/${accession}`),
      (r) => r.status === 200,
      'the lab to expect the repeated order’s specimen',
    );
    // By then the lab has long heard of every order routed before: not of the reused one. An
    // analyser result for it is refused, and the Task stays completed with the prior report.
    const stray = await call<{ issue: Array<{ diagnostics?: string }> }>(
      'lab-analyser',
      'POST',
      '/api/lab/results',
      { orderId, results: [{ code: POTASSIUM.code, value: 4.1 }] },
    );
    expect(stray.status).toBe(404);
    expect(stray.body.issue[0]?.diagnostics).toMatch(/not been received by the lab/);
    expect((await taskOf(orderId))?.output?.map((o) => o.valueReference?.reference)).toEqual([
      offered,
    ]);

    // The figures: one potassium spared (at its catalogue price), one repeated with its reason.
    type Row = {
      member: string;
      centre: string;
      code: string;
      duplicatesAvoided: number;
      moneySaved: string;
      overrides: number;
      overridesByReason: Record<string, number>;
      undecided: number;
    };
    const figures = await call<Row[]>('admin', 'GET', '/api/recognition/figures');
    const row = figures.body.find((r) => r.member === 'CLINIC-B' && r.code === POTASSIUM.code);
    expect(row).toMatchObject({
      centre: 'lab',
      duplicatesAvoided: 1,
      moneySaved: demoCatalogue.find((i) => i.code === POTASSIUM.code)?.price,
      overrides: 1,
      overridesByReason: { 'fast-changing': 1 },
      undecided: 0,
    });
    // Clinic A ordered with no prior to weigh: nothing to count for it.
    expect(
      figures.body.find((r) => r.member === 'CLINIC-A' && r.code === POTASSIUM.code),
    ).toBeUndefined();
  });

  it('stops recognizing the lab’s potassium from the day its EQA for the item lapsed', async () => {
    const patient = makePatient({ gender: 'female', birthDate: '1971-01-30' });
    const { report } = await reportedPotassium(patient, 2);
    expect(
      part((await check('clinic-b', patient)).body.parameter?.[0], 'recognized')[0]?.valueBoolean,
    ).toBe(true);

    // The lab failed the potassium EQA from three days ago, before the specimen was collected.
    const failed = {
      centre: 'LAB',
      system: POTASSIUM.system,
      code: POTASSIUM.code,
      passed: false,
      effectiveFrom: dayInChina(Date.now() - 3 * DAY),
      scheme: '省室间质评 2026-3 钾 未通过 potassium failed',
    };
    expect((await call('clinic-a', 'POST', '/api/recognition/eqa', failed)).status).toBe(403);
    expect((await call('admin', 'POST', '/api/recognition/eqa', failed)).status).toBe(201);

    const lapsed = (await check('clinic-b', patient)).body.parameter?.[0];
    expect(part(lapsed, 'recognized')[0]?.valueBoolean).toBe(false);
    expect(reasonOf(lapsed)).toBe('eqa-lapsed');
    expect(part(lapsed, 'reason')[0]?.valueCodeableConcept?.text).toContain(
      `DiagnosticReport/${report.id}`,
    );
    expect((await orderB(patient, reuse(`DiagnosticReport/${report.id}`))).status).toBe(422);
    // A potassium measured now is released without the mark.
    const later = await reportedPotassium(
      makePatient({ gender: 'male', birthDate: '1980-06-06' }),
      0,
    );
    expect(later.report.status).toBe('final');
    expect(later.report.meta?.tag ?? []).not.toContainEqual(expect.objectContaining(HR));
    // The history keeps both: the failure is a new entry, the pass before it stays.
    const history = await call<Array<{ passed: boolean; effectiveFrom: string }>>(
      'admin',
      'GET',
      `/api/recognition/eqa?centre=LAB&code=${POTASSIUM.code}`,
    );
    expect(history.body.map((r) => r.passed)).toEqual([false, true]);
    expect(history.body[0]?.effectiveFrom).toBe(failed.effectiveFrom);
  });
});
