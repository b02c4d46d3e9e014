import type { Patient, ServiceRequest } from 'fhir/r4';
import { type ReadingItem, type ReadingView } from '@hub/contracts';
import { type AuditAgent } from '../../../apps/gateway/src/audit/accessor';
import { AuditService } from '../../../apps/gateway/src/audit/audit.service';
import { type CentreClient } from '../../../apps/gateway/src/centre-link/centre-client.service';
import { ReadingService } from '../../../apps/gateway/src/imaging/reading.service';
import { PatientLinkService } from '../../../apps/gateway/src/patient/patient-link.service';
import { PatientService } from '../../../apps/gateway/src/patient/patient.service';
import { ReadingContextRepository } from '../../../apps/gateway/src/reading/reading-context.repository';
import { makePatient, makePlacerNumber, makeServiceRequest } from '../../support/factories';
import { type GatewayFixture, gatewayFixture } from './gateway-fixture';

const radiologist: AuditAgent = {
  subject: 'radiologist',
  kind: 'user',
  org: 'IMAGING',
  roles: ['radiologist'],
  purpose: 'TREAT',
};

/** A stand-in for the imaging centre: answers the worklist and a reading with what it is given. */
function fakeCentre(items: ReadingItem[], view?: ReadingView) {
  const sent: Array<{ message: string; payload: unknown }> = [];
  const client = {
    send: (_centre: string, message: string, payload: unknown) => {
      sent.push({ message, payload });
      return Promise.resolve(message === 'reading.get' ? (view ?? null) : items);
    },
  } as unknown as CentreClient;
  return { client, sent };
}

/**
 * The reading worklist at the gateway: the centres know orders but no patients, so the gateway
 * adds each order's patient (name, 居民身份证号), clinic and catalogue item from the consortium
 * record — in one query for the whole page, not one per row — and audits the patients shown.
 */
describe('reading worklist context (real PostgreSQL)', () => {
  let fx: GatewayFixture;
  let patients: PatientService;
  let audit: AuditService;
  let context: ReadingContextRepository;

  beforeAll(async () => {
    fx = await gatewayFixture();
    audit = new AuditService(fx.dataSource);
    patients = new PatientService(fx.store, new PatientLinkService(fx.store, audit));
    context = new ReadingContextRepository(fx.dataSource);
  });

  afterAll(async () => {
    await fx.close();
  });

  const register = (patient: Patient) =>
    fx.store.transaction(async (manager) => {
      const link = await patients.createOrLink(manager, patient, 'CLINIC-A');
      return link.patient.id;
    });

  const order = async (patientId: string, code: string, note?: string) => {
    const request: ServiceRequest = {
      ...makeServiceRequest({
        org: 'CLINIC-A',
        placer: makePlacerNumber(),
        code: { system: 'urn:hub:catalogue', code },
        subject: { reference: `Patient/${patientId}` },
      }),
      ...(note ? { reasonCode: [{ text: note }] } : {}),
    };
    const { serviceRequest } = await fx.intake.submit(request, 'CLINIC-A');
    return serviceRequest.id;
  };

  const item = (orderId: string, code: string): ReadingItem => ({
    orderId,
    code,
    priority: 'routine',
    requesterOrg: 'CLINIC-A',
    modalities: ['CT'],
    status: 'unread',
  });

  it('adds patient, clinic and item to every order of a page in one query, and audits the read', async () => {
    const ouyang = makePatient({
      gender: 'female',
      birthDate: '1962-03-15',
      name: [{ family: '欧阳', given: ['娜娜'] }],
    });
    const li = makePatient({ name: [{ text: '李四' }] });
    const ouyangId = await register(ouyang);
    const liId = await register(li);
    const head = await order(ouyangId, 'IMG-CT-HEAD', '头痛 3 天 headache for 3 days');
    const chest = await order(liId, 'IMG-CT-CHEST');
    const again = await order(ouyangId, 'IMG-DR-CHEST');
    const { client } = fakeCentre([
      item(head, 'IMG-CT-HEAD'),
      item(chest, 'IMG-CT-CHEST'),
      item(again, 'IMG-DR-CHEST'),
    ]);
    const readings = new ReadingService(client, audit, context);

    const query = jest.spyOn(fx.dataSource, 'query');
    const entries = await readings.worklist({}, radiologist);
    const joins = query.mock.calls.filter(([sql]) => sql.includes('gateway.service_order'));
    query.mockRestore();
    expect(joins).toHaveLength(1);

    expect(entries.map((e) => e.orderId)).toEqual([head, chest, again]);
    expect(entries[0]).toMatchObject({
      status: 'unread',
      patient: {
        id: ouyangId,
        name: '欧阳娜娜',
        residentId: ouyang.identifier?.[0]?.value,
        gender: 'female',
        birthDate: '1962-03-15',
      },
      clinic: {
        code: 'CLINIC-A',
        name: '青山县东岭镇卫生院',
        nameEn: 'Dongling Township Health Centre',
      },
      item: { code: 'IMG-CT-HEAD', displayZh: '头颅CT平扫', display: 'CT head without contrast' },
      clinical: '头痛 3 天 headache for 3 days',
    });
    expect(entries[1].patient).toMatchObject({ id: liId, name: '李四' });
    expect(entries[2].item?.displayZh).toBe('胸部正位DR');

    // The page is one read of each patient shown, by the radiologist.
    const [event] = await fx.dataSource.query<
      Array<{ patient_ids: string[]; entities: Array<{ id: string }> }>
    >(
      `SELECT patient_ids, entities FROM gateway.audit_event
        WHERE subtype = 'reading-worklist' AND agent_subject = 'radiologist'
          AND entities @> $1::jsonb
        ORDER BY recorded DESC LIMIT 1`,
      [JSON.stringify([{ type: 'ServiceRequest', id: head }])],
    );
    expect([...event.patient_ids].sort()).toEqual([ouyangId, liId].sort());
    expect(event.entities.map((e) => e.id)).toEqual([head, chest, again]);
  });

  it('answers an empty page without asking the record, and names the readers of a reading', async () => {
    const { client } = fakeCentre([]);
    const readings = new ReadingService(client, audit, context);
    const query = jest.spyOn(fx.dataSource, 'query');
    expect(await readings.worklist({}, radiologist)).toEqual([]);
    expect(query).not.toHaveBeenCalled();
    query.mockRestore();

    const patientId = await register(makePatient({ name: [{ text: '王五' }] }));
    const orderId = await order(patientId, 'IMG-CT-HEAD');
    const view: ReadingView = {
      orderId,
      status: 'awaiting-cosign',
      version: 1,
      author: 'radiology-trainee',
      signedBy: 'radiology-trainee',
      history: [],
    };
    const reading = await new ReadingService(fakeCentre([], view).client, audit, context).get(
      orderId,
      radiologist,
    );
    expect(reading).toMatchObject({
      orderId,
      status: 'awaiting-cosign',
      patient: { id: patientId, name: '王五' },
      item: { displayZh: '头颅CT平扫' },
    });
    expect(reading.readers['radiology-trainee']).toContain('陈规培');
  });
});
