import { nameOf } from './reading-context.repository';

describe('nameOf', () => {
  it('shows a Chinese name family name first without spaces', () => {
    expect(nameOf([{ family: '欧阳', given: ['娜娜'] }])).toBe('欧阳娜娜');
  });

  it('prefers the written text and the official name', () => {
    expect(
      nameOf([
        { use: 'nickname', text: '小李' },
        { use: 'official', text: ' 李四 ', family: '李', given: ['四'] },
      ]),
    ).toBe('李四');
  });

  it('writes a Latin name given names first', () => {
    expect(nameOf([{ family: 'Smith', given: ['Anna', 'May'] }])).toBe('Anna May Smith');
  });

  it('has nothing to show for a record without a name', () => {
    expect(nameOf(undefined)).toBeUndefined();
    expect(nameOf([])).toBeUndefined();
    expect(nameOf([{ use: 'official' }])).toBeUndefined();
  });
});
