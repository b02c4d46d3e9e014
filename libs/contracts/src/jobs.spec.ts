import { JobNames, Queues, jobProblem } from './index';

describe('jobProblem', () => {
  const route = {
    orderId: '7f7c2f53-3a55-4a4e-9d3f-0d6b1e0c2a11',
    taskId: '0b8d6b5e-1c1e-4d0c-8f5e-7c1f3f0b9a22',
    centre: 'lab',
    code: '2823-3',
    priority: 'routine',
    requesterOrgId: 'clinic-a',
    acceptedAt: '2026-11-23T08:00:00Z',
    traceId: 't-1',
  };

  it('accepts a well-formed job', () => {
    expect(jobProblem(Queues.LabOrders, JobNames.OrderRoute, route)).toBeUndefined();
  });

  it('names a job the queue does not carry', () => {
    expect(jobProblem(Queues.LabOrders, JobNames.ReportSubmit, route)).toBe(
      'job name "ReportSubmit" is not carried by lab.orders (expected OrderRoute or OrderCancel)',
    );
  });

  it('names every missing or mistyped id', () => {
    expect(jobProblem(Queues.LabOrders, JobNames.OrderRoute, { ...route, orderId: '' })).toBe(
      'the OrderRoute payload lacks orderId (string)',
    );
    expect(
      jobProblem(Queues.HubResults, JobNames.ReportSubmit, {
        reportId: 'r-1',
        orderId: 'o-1',
        centre: 'lab',
        version: '1',
      }),
    ).toBe('the ReportSubmit payload lacks version (number)');
    expect(jobProblem(Queues.HubTaskEvents, JobNames.TaskUpdate, {})).toBe(
      'the TaskUpdate payload lacks orderId (string), taskId (string), centre (string), status (string)',
    );
  });

  it('refuses a payload that is not an object', () => {
    for (const data of [null, 'OrderRoute', [route]])
      expect(jobProblem(Queues.LabOrders, JobNames.OrderRoute, data)).toBe(
        'the OrderRoute payload is not an object',
      );
  });
});
