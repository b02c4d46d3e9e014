import type { Bundle, Observation } from 'fhir/r4';
import { randomUUID } from 'node:crypto';
import { FhirError } from '@hub/fhir';
import { type Accessor, systemAgent } from '../../../apps/gateway/src/audit/accessor';
import {
  type AccessScope,
  fullAccess,
  orgScope,
} from '../../../apps/gateway/src/fhir/access-scope';

const as = (scope: AccessScope): Accessor => ({ scope, agent: systemAgent('integration-test') });
import { type GatewayFixture, gatewayFixture } from './gateway-fixture';

const BASE = 'http://hub.test/fhir';

function observation(
  code: string,
  effective: string,
  subject = `Patient/${randomUUID()}`,
): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code }] },
    subject: { reference: subject },
    effectiveDateTime: effective,
    valueQuantity: { value: 4.1, unit: 'mmol/L' },
  };
}

describe('FHIR store and search (real PostgreSQL)', () => {
  let fx: GatewayFixture;
  const org = `T-${randomUUID().slice(0, 8)}`;
  const otherOrg = `T-${randomUUID().slice(0, 8)}`;
  const patient = `Patient/${randomUUID()}`;

  beforeAll(async () => {
    fx = await gatewayFixture();
    await fx.store.transaction(async (manager) => {
      await fx.store.create(manager, observation('2823-3', '2026-11-20T08:00:00+08:00', patient), [
        org,
      ]);
      await fx.store.create(manager, observation('2823-3', '2026-11-21T08:00:00+08:00', patient), [
        org,
      ]);
      await fx.store.create(manager, observation('2951-2', '2026-11-22T08:00:00+08:00', patient), [
        org,
      ]);
      await fx.store.create(manager, observation('2823-3', '2026-11-22T09:00:00+08:00', patient), [
        otherOrg,
      ]);
    });
  });

  afterAll(() => fx.close());

  const search = (query: Record<string, string>, scope = orgScope(org)) =>
    fx.search.search(
      'Observation',
      Object.entries({ subject: patient, ...query }),
      as(scope),
      BASE,
    );

  it('keeps every version and serves vread and history', async () => {
    const created = await fx.store.transaction((m) =>
      fx.store.create(m, observation('2345-7', '2026-11-23'), [org]),
    );
    expect(created.meta?.versionId).toBe('1');
    const updated = await fx.store.transaction((m) =>
      fx.store.update(m, { ...created, status: 'amended' }),
    );
    expect(updated.meta?.versionId).toBe('2');
    expect(
      (
        await fx.store.read<Observation & { id: string }>(
          'Observation',
          created.id,
          as(orgScope(org)),
        )
      ).status,
    ).toBe('amended');
    expect(
      ((await fx.store.vread('Observation', created.id, '1', as(orgScope(org)))) as Observation)
        .status,
    ).toBe('final');
    const history = await fx.store.history('Observation', created.id, as(orgScope(org)), BASE);
    expect(history.entry?.map((e) => e.resource?.meta?.versionId)).toEqual(['2', '1']);
  });

  it('hides what another organisation owns, by read and by search', async () => {
    const all = await search({}, fullAccess);
    expect(all.total).toBe(4);
    expect((await search({})).total).toBe(3);
    const foreignId = all
      .entry!.map((e) => e.resource!)
      .find((r) => (r as Observation).effectiveDateTime?.includes('09:00'))!.id!;
    await expect(fx.store.read('Observation', foreignId, as(orgScope(org)))).rejects.toMatchObject({
      status: 404,
    });
  });

  it('matches tokens with and without a system, and comma as OR', async () => {
    expect((await search({ code: '2823-3' })).total).toBe(2);
    expect((await search({ code: 'http://loinc.org|2951-2' })).total).toBe(1);
    expect((await search({ code: 'http://other|2951-2' })).total).toBe(0);
    expect((await search({ code: '2823-3,2951-2' })).total).toBe(3);
  });

  it('compares dates with prefixes, whole days in the given time zone', async () => {
    expect((await search({ date: 'ge2026-11-21' })).total).toBe(2);
    expect((await search({ date: 'lt2026-11-21' })).total).toBe(1);
    expect((await search({ date: '2026-11-20T00:00:00Z' })).total).toBe(1);
  });

  it('sorts and pages with a next link', async () => {
    const first = await search({ _sort: '-date', _count: '2' });
    expect(first.entry?.map((e) => (e.resource as Observation).effectiveDateTime)).toEqual([
      '2026-11-22T08:00:00+08:00',
      '2026-11-21T08:00:00+08:00',
    ]);
    const next = first.link?.find((l) => l.relation === 'next')?.url;
    expect(next).toContain('_offset=2');
    const second = await fx.search.search(
      'Observation',
      [...new URL(next!).searchParams.entries()],
      as(orgScope(org)),
      BASE,
    );
    expect(second.entry).toHaveLength(1);
    expect(second.link?.some((l) => l.relation === 'next')).toBe(false);
  });

  it('refuses an unknown parameter or a bad date with a 400 that names it', async () => {
    await expect(search({ colour: 'red' })).rejects.toThrow(/unknown search parameter "colour"/);
    const error = (await search({ date: 'yesterday' }).catch((e: unknown) => e)) as FhirError;
    expect(error).toBeInstanceOf(FhirError);
    expect(error.status).toBe(400);
  });

  it('lets everyone find the consortium organisations', async () => {
    const found: Bundle = await fx.search.search(
      'Organization',
      [['identifier', 'CLINIC-A']],
      as(orgScope('CLINIC-B')),
      BASE,
    );
    expect(found.total).toBe(1);
    expect(found.entry?.[0]?.resource?.id).toBe('clinic-a');
  });
});
