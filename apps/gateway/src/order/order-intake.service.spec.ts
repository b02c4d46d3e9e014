import { validateShape } from './order-intake.service';

describe('validateShape (ServiceRequest)', () => {
  const request = (code: unknown) => ({
    resourceType: 'ServiceRequest',
    status: 'active',
    intent: 'order',
    code,
  });

  it('refuses codings that are not Coding objects with a 400 naming the field (fuzz suite: it was a 500)', () => {
    for (const coding of [[null], [7], [['x']]])
      expect(() => validateShape(request({ coding }), 'ServiceRequest')).toThrow(
        /ServiceRequest.code.coding must hold Coding objects/,
      );
  });

  it('takes Coding objects', () => {
    const valid = request({ coding: [{ system: 'http://loinc.org', code: '2823-3' }] });
    expect(validateShape(valid, 'ServiceRequest')).toBe(valid);
  });
});
