import { randomUUID } from 'node:crypto';
import type { Bundle, Task } from 'fhir/r4';
import { type JobsOptions, Queue } from 'bullmq';
import { JobNames, type QueueName, QueueJobNames, Queues } from '@hub/contracts';
import { defaultJobOptions, redisOptions } from '@hub/platform';
import { clientToken, userToken } from '../support/auth-client';
import { makeOrderBundle, makePlacerNumber, makeResidentId } from '../support/factories';
import { type RunningHub, eventually, startHub } from '../support/hub-harness';
import { MllpClient, hl7Field } from '../support/mllp-client';

jest.setTimeout(300_000);

/** Poison jobs per queue (npm test: 1; `npm run test:faults:long`: 5; FAULTS_ROUNDS sets it). */
const ROUNDS = Math.max(
  1,
  Number(process.env.FAULTS_ROUNDS ?? (process.env.FAULTS_PROFILE === 'long' ? 5 : 1)),
);

interface FailedJob {
  id: string;
  name: string;
  failedReason: string;
  attemptsMade: number;
}

/** One order per centre, as a clinic sends them. */
const GOOD_ORDERS = [
  { centre: 'lab', code: { system: 'http://loinc.org', code: '2823-3' } },
  { centre: 'imaging', code: { system: 'urn:hub:catalogue', code: 'IMG-CT-HEAD' } },
  { centre: 'ecg', code: { system: 'http://loinc.org', code: '11524-6' } },
  { centre: 'pathology', code: { system: 'urn:hub:catalogue', code: 'PATH-HISTO' } },
];

/** An order message from clinic A's HIS; `birthDate` may contradict the resident id on purpose. */
function orderMessage(options: { code?: string; birthDate?: string } = {}): {
  text: string;
  controlId: string;
} {
  const residentId = makeResidentId();
  const controlId = `C${randomUUID().slice(0, 8)}`;
  const text = [
    `MSH|^~\\&|HIS|CLINIC-A|HUB|HUB|20261123083000+0800||ORM^O01^ORM_O01|${controlId}|P|2.5.1|||||CHN|UNICODE UTF-8`,
    `PID|1||${residentId}^^^&2.16.156.10011.1.3&ISO^NNCHN||王^小明||${options.birthDate ?? residentId.slice(6, 14)}|${Number(residentId[16]) % 2 ? 'M' : 'F'}`,
    `ORC|NW|${makePlacerNumber()}^HIS|||||^^^^^R`,
    `OBR|1|||${options.code ?? '2823-3'}^Test^LN|||20261123082000`,
  ].join('\r');
  return { text, controlId };
}

/**
 * Poison jobs put straight on the hub's real queues (as a faulty producer or a hand-edited job
 * would), then real orders through FHIR: the orders go through, each poison job ends in the failed
 * set with its reason (at once when it is malformed, after its attempts when what it names does
 * not exist) and is listed by the IT API. Over MLLP, messages that parse but fail in processing
 * get an ERR each and do not hold up the next message on the same connection.
 */
describe('poison jobs and messages (faults)', () => {
  let hub: RunningHub;
  const queues = new Map<QueueName, Queue>();
  const tokens: Record<string, string> = {};

  const queue = (name: QueueName): Queue => {
    let found = queues.get(name);
    if (!found) {
      found = new Queue(name, {
        connection: redisOptions(hub.redis.url),
        prefix: hub.prefix,
      });
      queues.set(name, found);
    }
    return found;
  };

  const put = async (
    name: QueueName,
    jobName: string,
    data: unknown,
    options: JobsOptions = {},
  ): Promise<string> => {
    const jobId = `poison-${randomUUID()}`;
    await queue(name).add(jobName, data, { ...defaultJobOptions, ...options, jobId });
    return jobId;
  };

  const failedJob = (name: QueueName, jobId: string) =>
    eventually(
      async () => {
        const job = await queue(name).getJob(jobId);
        return {
          state: await job?.getState(),
          reason: job?.failedReason,
          attempts: job?.attemptsMade,
        };
      },
      (seen) => seen.state === 'failed',
      `job ${jobId} on ${name} to end in the failed set`,
      60_000,
    );

  const listedFailed = async (name: QueueName): Promise<FailedJob[]> => {
    const response = await fetch(`${hub.baseUrl}/api/ops/queues/${name}/failed?limit=200`, {
      headers: { authorization: `Bearer ${tokens.itops}` },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as FailedJob[];
  };

  const taskFor = async (orderId: string): Promise<Task | undefined> => {
    const response = await fetch(`${hub.fhirUrl}/Task?based-on=ServiceRequest/${orderId}`, {
      headers: { authorization: `Bearer ${tokens.clinic}` },
    });
    return ((await response.json()) as Bundle).entry?.[0]?.resource as Task | undefined;
  };

  const placeOrder = async (code: { system: string; code: string }): Promise<string> => {
    const response = await fetch(hub.fhirUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens.clinic}`,
        'content-type': 'application/fhir+json',
      },
      body: JSON.stringify(makeOrderBundle({ org: 'CLINIC-A', code })),
    });
    expect(response.status).toBe(200);
    const bundle = (await response.json()) as Bundle;
    const location = bundle.entry
      ?.map((e) => e.response?.location ?? '')
      .find((l) => l.startsWith('ServiceRequest/'));
    return location!.split('/')[1];
  };

  beforeAll(async () => {
    hub = await startHub();
    tokens.clinic = await clientToken(hub.baseUrl, 'clinic-a', 'clinic-a-secret');
    tokens.itops = await userToken(hub.baseUrl, 'itops');
  });

  afterAll(async () => {
    await Promise.all([...queues.values()].map((q) => q.close()));
    await hub?.shutdown();
  });

  it('fails malformed and dangling jobs on every queue with their reason, and real orders still go through', async () => {
    const malformed: Array<{ queue: QueueName; jobId: string; reason: RegExp }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of Object.values(Queues)) {
        // The queue's own job name with a payload that lacks the ids it needs.
        const jobName = QueueJobNames[name][0];
        malformed.push({
          queue: name,
          jobId: await put(name, jobName, { traceId: 'poison' }),
          reason: new RegExp(`^malformed job, not retried: the ${jobName} payload lacks \\w+`),
        });
      }
      // A job the queue does not carry at all.
      malformed.push({
        queue: Queues.HubResults,
        jobId: await put(Queues.HubResults, 'ReportSubmitt', { reportId: 'x' }),
        reason:
          /^malformed job, not retried: job name "ReportSubmitt" is not carried by hub\.results/,
      });
    }
    // Well-formed, but PostgreSQL refuses its data as such (an alert id that is not a UUID):
    // no retry can cure that either.
    malformed.push({
      queue: Queues.HubCriticalValues,
      jobId: await put(Queues.HubCriticalValues, JobNames.CriticalValueEscalate, {
        alertId: 'not-a-uuid',
        level: 1,
        traceId: 'poison',
      }),
      reason: /^the job's data cannot be stored, not retried: .*not-a-uuid.*\(SQLSTATE 22P02\)$/,
    });
    // Well-formed jobs naming what does not exist: each fails after its attempts (fast backoff
    // here, so the test need not wait out the hub's exponential one).
    const retried: JobsOptions = { attempts: 3, backoff: { type: 'fixed', delay: 200 } };
    const unknownReport = randomUUID();
    const dangling = [
      {
        queue: Queues.HubResults,
        jobId: await put(
          Queues.HubResults,
          JobNames.ReportSubmit,
          {
            reportId: unknownReport,
            orderId: randomUUID(),
            taskId: randomUUID(),
            centre: 'lab',
            version: 1,
            traceId: 'poison',
          },
          retried,
        ),
        reason: new RegExp(`the lab centre does not know version 1 of report ${unknownReport}`),
      },
      {
        queue: Queues.HubTaskEvents,
        jobId: await put(
          Queues.HubTaskEvents,
          JobNames.TaskUpdate,
          {
            orderId: randomUUID(),
            taskId: randomUUID(),
            centre: 'lab',
            status: 'in-progress',
            at: new Date().toISOString(),
            traceId: 'poison',
          },
          retried,
        ),
        reason: /^Task\/[0-9a-f-]+ for order [0-9a-f-]+ is not known$/,
      },
    ];

    // Real work behind the poison: an order for each centre reaches it.
    const orders = await Promise.all(GOOD_ORDERS.map(({ code }) => placeOrder(code)));
    for (const [i, orderId] of orders.entries()) {
      await eventually(
        () => taskFor(orderId),
        (task) =>
          task?.status === 'accepted' &&
          task.owner?.reference === `Organization/${GOOD_ORDERS[i].centre}`,
        `the ${GOOD_ORDERS[i].centre} centre to accept order ${orderId}`,
        60_000,
      );
    }

    for (const poison of malformed) {
      const seen = await failedJob(poison.queue, poison.jobId);
      expect({ queue: poison.queue, attempts: seen.attempts }).toEqual({
        queue: poison.queue,
        attempts: 1,
      });
      expect(seen.reason).toMatch(poison.reason);
    }
    for (const poison of dangling) {
      const seen = await failedJob(poison.queue, poison.jobId);
      expect({ queue: poison.queue, attempts: seen.attempts }).toEqual({
        queue: poison.queue,
        attempts: 3,
      });
      expect(seen.reason).toMatch(poison.reason);
    }

    // IT staff see every one of them, with its reason.
    for (const poison of [...malformed, ...dangling]) {
      const listed = (await listedFailed(poison.queue)).find((job) => job.id === poison.jobId);
      expect({ queue: poison.queue, id: listed?.id }).toEqual({
        queue: poison.queue,
        id: poison.jobId,
      });
      expect(listed?.failedReason).toMatch(poison.reason);
    }
  });

  it('answers HL7 messages that fail in processing with an ERR, without holding up the next one', async () => {
    const mllp = await MllpClient.connect(hub.hl7Port);
    try {
      const unknownTest = orderMessage({ code: '99999-9' });
      const wrongBirthDate = orderMessage({ birthDate: '19000101' });
      const good = orderMessage();
      // Sent back to back on one connection: the answers come in order.
      const [first, second, third] = await Promise.all(
        [unknownTest, wrongBirthDate, good].map((message) => mllp.send(message.text)),
      );
      expect(hl7Field(first, 'MSA', 1)).toBe('AE');
      expect(hl7Field(first, 'MSA', 2)).toBe(unknownTest.controlId);
      expect(hl7Field(first, 'ERR', 2)).toMatch(/^OBR/);
      expect(hl7Field(first, 'ERR', 8)).toMatch(/99999-9/);
      expect(hl7Field(second, 'MSA', 1)).toBe('AE');
      expect(hl7Field(second, 'MSA', 2)).toBe(wrongBirthDate.controlId);
      expect(hl7Field(second, 'ERR', 2)).toMatch(/^PID\^1\^7/);
      expect(hl7Field(third, 'MSA', 1)).toBe('AA');
      expect(hl7Field(third, 'MSA', 2)).toBe(good.controlId);
    } finally {
      mllp.close();
    }
  });
});
