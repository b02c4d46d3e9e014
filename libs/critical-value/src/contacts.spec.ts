import { criticalContactsOf, criticalContactsToFhir } from './contacts';

describe('critical-value contacts on an Organization', () => {
  it('writes each contact with its purpose, name and phone, and reads them back', () => {
    const contact = criticalContactsToFhir({
      primary: { name: '值班医生 duty doctor', phone: '0571-1' },
      backup: { name: '医务科 medical office', phone: '0571-2' },
    });
    expect(contact[0]).toEqual({
      purpose: {
        coding: [{ system: 'urn:hub:critical-contact', code: 'primary' }],
        text: '危急值联系人 critical value contact',
      },
      name: { text: '值班医生 duty doctor' },
      telecom: [{ system: 'phone', value: '0571-1', use: 'work' }],
    });
    expect(criticalContactsOf({ contact })).toEqual({
      primary: { name: '值班医生 duty doctor', phone: '0571-1' },
      backup: { name: '医务科 medical office', phone: '0571-2' },
    });
  });

  it('ignores other contacts and contacts without a phone', () => {
    expect(
      criticalContactsOf({
        contact: [
          { purpose: { text: 'billing' }, telecom: [{ system: 'phone', value: '1' }] },
          {
            purpose: { coding: [{ system: 'urn:hub:critical-contact', code: 'supervisor' }] },
            name: { text: '主任' },
            telecom: [{ system: 'email', value: 'a@b' }],
          },
        ],
      }),
    ).toEqual({});
    expect(criticalContactsOf({})).toEqual({});
  });
});
