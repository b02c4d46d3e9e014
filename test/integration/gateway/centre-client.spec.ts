import { MessageNames } from '@hub/contracts';
import { FhirError } from '@hub/fhir';
import { CentreClient } from '../../../apps/gateway/src/centre-link/centre-client.service';
import { loadGatewayConfig } from '../../../apps/gateway/src/config';
import { TEST_DATABASE_URL } from '../../support/hub-harness';

/**
 * A centre that does not answer (killed, restarting) makes the gateway's call fail with a 503 the
 * caller can retry — found by the fault suite, where analysers got a 500 while the lab restarted.
 */
describe('CentreClient (real Redis, no centre listening)', () => {
  const client = new CentreClient(
    loadGatewayConfig({
      DATABASE_URL: TEST_DATABASE_URL,
      REDIS_PREFIX: `it${process.pid}-nocentre`,
    }),
  );

  afterAll(() => client.onModuleDestroy());

  it('answers a centre that does not reply in time with a transient 503, naming the centre', async () => {
    const failure = await client
      .send('lab', MessageNames.ResultSubmit, { orderId: 'x' }, 300)
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(FhirError);
    expect(failure).toMatchObject({ status: 503, code: 'transient' });
    expect((failure as FhirError).diagnostics).toContain('the lab centre did not answer');
  });

  it('answers with a transient 503 while Redis, the message transport, is away', async () => {
    const cut = new CentreClient(
      loadGatewayConfig({
        DATABASE_URL: TEST_DATABASE_URL,
        // Nothing listens on port 1: as while Redis restarts.
        REDIS_URL: 'redis://127.0.0.1:1',
        REDIS_PREFIX: `it${process.pid}-noredis`,
      }),
    );
    try {
      const failure = await cut
        .send('lab', MessageNames.ResultSubmit, { orderId: 'x' }, 2000)
        .catch((error: unknown) => error);
      expect(failure).toMatchObject({ status: 503, code: 'transient' });
      expect((failure as FhirError).diagnostics).toContain('the lab centre cannot be reached now');
    } finally {
      await cut.onModuleDestroy();
    }
  });
});
