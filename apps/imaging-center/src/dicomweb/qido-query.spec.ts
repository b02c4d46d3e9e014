import { QidoQueryError, dateRange, likePattern, parseQidoQuery } from './qido-query';

describe('QIDO-RS query', () => {
  const parse = (level: 'study' | 'series' | 'instance', query: string) => {
    const params: unknown[] = [];
    const parsed = parseQidoQuery(level, new URLSearchParams(query), params);
    return { ...parsed, params };
  };

  it('reads dates and date ranges (PS3.4 C.2.2.2.5)', () => {
    expect(dateRange('20260115')).toEqual(['2026-01-15', '2026-01-15']);
    expect(dateRange('20260101-20261231')).toEqual(['2026-01-01', '2026-12-31']);
    expect(dateRange('-20251231')).toEqual([undefined, '2025-12-31']);
    expect(dateRange('20260101-')).toEqual(['2026-01-01', undefined]);
    for (const bad of ['2026-01-01', '20260230', '20261231-20260101', '-', '2026', ''])
      expect(dateRange(bad)).toBeUndefined();
  });

  it('turns DICOM wildcards into LIKE patterns, escaping LIKE’s own', () => {
    expect(likePattern('WANG*')).toBe('WANG%');
    expect(likePattern('W?NG_100%')).toBe('W_NG\\_100\\%');
  });

  it('matches keys by keyword or tag, names case-insensitively, UIDs as lists', () => {
    const query = parse(
      'study',
      'patientname=wang*&00100020=P1&StudyInstanceUID=1.2.3\\1.2.4&StudyDate=20260101-&limit=5&offset=10&includefield=StudyDescription,00081032',
    );
    expect(query.params).toEqual(['WANG%', 'P1', ['1.2.3', '1.2.4'], '2026-01-01']);
    expect(query.conditions).toHaveLength(4);
    expect(query.conditions[0]).toContain('s.patient_name_search LIKE $1');
    expect(query).toMatchObject({
      limit: 5,
      offset: 10,
      limitedByArchive: false,
      includeFields: ['00081030', '00081032'],
    });
  });

  it('limits to 1000 and defaults to 100, saying the archive chose', () => {
    expect(parse('study', '')).toMatchObject({ limit: 100, limitedByArchive: true });
    expect(parse('study', 'limit=5000')).toMatchObject({ limit: 1000, limitedByArchive: true });
  });

  it('takes an empty value as universal matching', () => {
    expect(parse('study', 'PatientName=').conditions).toEqual([]);
  });

  it('refuses keys it cannot match on, keys of a lower level and bad values', () => {
    for (const [level, query, message] of [
      ['study', 'PatientBirthDate=20000101', /not a query key/],
      ['study', 'SOPInstanceUID=1.2', /instance-level key/],
      ['series', 'SOPClassUID=1.2', /instance-level key/],
      ['study', 'limit=0', /limit/],
      ['study', 'offset=-1', /offset/],
      ['study', 'PatientID=a&PatientID=b', /more than once/],
      ['study', 'fuzzymatching=maybe', /fuzzymatching/],
      ['study', 'ModalitiesInStudy=ct', /not a code/],
      ['study', 'includefield=0040A730.00080100', /includefield/],
    ] as const) {
      const attempt = () => parse(level, query);
      expect(attempt).toThrow(QidoQueryError);
      expect(attempt).toThrow(message);
    }
  });
});
