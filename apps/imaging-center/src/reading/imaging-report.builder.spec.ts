import { demoCatalogue } from '@hub/consortium';
import { buildImagingReport, imagingCritical, reportText } from './imaging-report.builder';

const ctHead = demoCatalogue.find((item) => item.code === 'IMG-CT-HEAD');
if (!ctHead) throw new Error('the demo catalogue has no IMG-CT-HEAD');

const release = {
  orderId: 'order-1',
  item: ctHead,
  studyInstanceUids: ['1.2.3', '1.2.4'],
  status: 'final' as const,
  issued: new Date('2026-03-01T08:30:00.000Z'),
  findings: '脑实质未见异常密度影。',
  impression: '头颅CT平扫未见异常',
  interpreters: ['trainee', 'trainee', 'senior'],
  performer: { display: 'imaging' },
};

describe('buildImagingReport', () => {
  it('names the ordered item, every study and each interpreter once', () => {
    const report = buildImagingReport(release);
    expect(report.code).toEqual({
      coding: [{ system: ctHead.system, code: 'IMG-CT-HEAD', display: ctHead.display }],
      text: ctHead.displayZh,
    });
    expect(report.imagingStudy).toEqual([
      { reference: 'ImagingStudy/1.2.3' },
      { reference: 'ImagingStudy/1.2.4' },
    ]);
    expect(report.resultsInterpreter).toEqual([{ display: 'trainee' }, { display: 'senior' }]);
    expect(report.conclusion).toBe(release.impression);
    expect(Buffer.from(report.presentedForm?.[0].data ?? '', 'base64').toString('utf8')).toBe(
      reportText(release.findings, release.impression),
    );
  });

  it('says why in the conclusion of an amendment', () => {
    const report = buildImagingReport({
      ...release,
      status: 'amended',
      amendmentReason: '更正部位',
    });
    expect(report.status).toBe('amended');
    expect(report.conclusion).toBe(`更正报告 Amended: 更正部位\n${release.impression}`);
  });

  it('keeps the code of an item the catalogue no longer has', () => {
    expect(buildImagingReport({ ...release, item: { code: 'IMG-OLD' } }).code).toEqual({
      coding: [{ code: 'IMG-OLD' }],
      text: 'IMG-OLD',
    });
  });
});

describe('imagingCritical', () => {
  it('reports the reader-flagged finding in words, with who released it and when', () => {
    expect(imagingCritical('急性脑出血', 'senior', release.issued)).toEqual({
      findings: [
        {
          code: 'IMG-CRITICAL',
          display: 'Critical imaging finding',
          displayZh: '影像危急值',
          text: '急性脑出血',
        },
      ],
      reportedBy: 'senior',
      reportedAt: '2026-03-01T08:30:00.000Z',
    });
  });
});
