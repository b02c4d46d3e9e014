import { type DataSource } from 'typeorm';
import { buildDataSource } from '../../../apps/gateway/src/data-source';
import { ManagementFiguresService } from '../../../apps/gateway/src/management/management-figures.service';
import { TEST_DATABASE_URL } from '../../support/hub-harness';

/**
 * The directory the management screens name the figures' codes from: every organisation of the
 * seeded consortium with its Chinese and English names, its kind and the centre it hosts.
 */
describe('management organisations (real PostgreSQL)', () => {
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = buildDataSource(TEST_DATABASE_URL);
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  it('names every member and centre, by code', async () => {
    const organizations = await new ManagementFiguresService(dataSource).organizations();
    const codes = organizations.map((org) => org.code);
    expect(codes).toEqual([...codes].sort());
    expect(organizations).toEqual(
      expect.arrayContaining([
        {
          code: 'CLINIC-A',
          name: '青山县东岭镇卫生院',
          nameEn: 'Dongling Township Health Centre',
          kind: 'township',
          centre: null,
        },
        {
          code: 'LAB',
          name: '医共体医学检验中心',
          nameEn: 'Consortium Laboratory Centre',
          kind: 'centre',
          centre: 'lab',
        },
      ]),
    );
  });
});
