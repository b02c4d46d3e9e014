import { demoCatalogue } from '@hub/consortium';
import { clientToken, userToken } from '../support/auth-client';
import { type RunningHub, startHub } from '../support/hub-harness';

jest.setTimeout(120_000);

interface Entry {
  system: string;
  code: string;
  display: string;
  displayZh: string;
  centre: string;
  centreOrg?: { code: string; name: string };
  specimenType?: { code: string; displayZh?: string };
  price: string;
  recognition: { recognized: boolean; validityDays: number } | null;
}

/**
 * The consortium catalogue over HTTP (`GET /api/catalogue`): anyone signed in reads what can be
 * ordered, where it is performed, what it costs, which specimen it needs and whether its results
 * are recognized and for how long; an administrator's change of a recognition rule shows at once.
 */
describe('catalogue API (e2e)', () => {
  let hub: RunningHub;
  const tokens: Record<string, string> = {};

  const get = async <T>(path: string, who?: string) => {
    const response = await fetch(`${hub.baseUrl}${path}`, {
      headers: who ? { authorization: `Bearer ${tokens[who]}` } : {},
    });
    return { status: response.status, body: (await response.json()) as T };
  };

  beforeAll(async () => {
    hub = await startHub();
    for (const user of ['clinic-a-doctor', 'radiologist', 'manager', 'itops', 'admin'])
      tokens[user] = await userToken(hub.baseUrl, user);
    tokens['clinic-a'] = await clientToken(hub.baseUrl, 'clinic-a', 'clinic-a-secret');
  });

  afterAll(async () => {
    await hub?.shutdown();
  });

  it('lists the orderable items with centre, price, specimen and recognition rule to anyone signed in', async () => {
    expect((await get('/api/catalogue')).status).toBe(401);
    for (const who of ['radiologist', 'manager', 'itops', 'clinic-a'])
      expect((await get('/api/catalogue', who)).status).toBe(200);

    const { status, body } = await get<Entry[]>('/api/catalogue', 'clinic-a-doctor');
    expect(status).toBe(200);
    expect(body.map((e) => e.code).sort()).toEqual(demoCatalogue.map((i) => i.code).sort());
    const potassium = body.find((e) => e.code === '2823-3');
    expect(potassium).toMatchObject({
      system: 'http://loinc.org',
      displayZh: '血钾',
      centre: 'lab',
      centreOrg: { code: 'LAB', name: '医共体医学检验中心' },
      specimenType: { code: 'serum-k', displayZh: '血清（血钾）' },
      price: '5.00',
      recognition: { recognized: true, validityDays: 7 },
    });
    expect(body.find((e) => e.code === '11524-6')).toMatchObject({
      centre: 'ecg',
      recognition: { recognized: true, validityDays: 30 },
    });
    expect(body.find((e) => e.code === '11524-6')?.specimenType).toBeUndefined();
    // A pathology diagnosis is a conclusion: not recognized.
    expect(body.find((e) => e.code === 'PATH-HISTO')?.recognition?.recognized).toBe(false);

    const ecgOnly = await get<Entry[]>('/api/catalogue?centre=ecg', 'clinic-a-doctor');
    expect(ecgOnly.body.map((e) => e.code)).toEqual(['11524-6']);
    expect((await get('/api/catalogue?centre=dental', 'clinic-a-doctor')).status).toBe(400);
  });

  it('shows an administrator’s change of a recognition rule at once', async () => {
    const changed = await fetch(
      `${hub.baseUrl}/api/recognition/rules/${encodeURIComponent('http://loinc.org|2345-7')}`,
      {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${tokens.admin}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ recognized: true, validityDays: 14 }),
      },
    );
    expect(changed.status).toBe(200);
    const { body } = await get<Entry[]>('/api/catalogue?centre=lab', 'clinic-a-doctor');
    expect(body.find((e) => e.code === '2345-7')?.recognition).toEqual({
      recognized: true,
      validityDays: 14,
    });
  });
});
