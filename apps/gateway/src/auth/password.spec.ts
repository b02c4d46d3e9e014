import { hashSecret, verifySecret, DUMMY_HASH } from './password';

describe('secret hashing', () => {
  it('verifies the right secret and refuses a wrong one', async () => {
    const stored = await hashSecret('demo-password');
    expect(stored.startsWith('scrypt$16384$8$1$')).toBe(true);
    await expect(verifySecret('demo-password', stored)).resolves.toBe(true);
    await expect(verifySecret('demo-passwort', stored)).resolves.toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashSecret('same')).not.toBe(await hashSecret('same'));
  });

  it('never accepts anything against the dummy hash', async () => {
    await expect(verifySecret('', DUMMY_HASH)).resolves.toBe(false);
  });
});
