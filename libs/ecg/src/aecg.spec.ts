import { type AecgWriteOptions, parseAecg, writeAecg } from './aecg';
import { type EcgFile, EcgFileError } from './ecg-file-model';
import { measureEcg } from './measure';
import { syntheticEcg } from './synthetic';
import { type EcgRecording, INDEPENDENT_LEADS, LEAD_NAMES, type LeadName } from './types';

const makeRecording = (durationS = 10) =>
  syntheticEcg({
    heartRateBpm: 64,
    prMs: 170,
    qrsMs: 96,
    qtMs: 400,
    axisDeg: 30,
    durationS,
    noise: { mainsMv: 0.02, muscleMv: 0.01, wanderMv: 0.1 },
    seed: 11,
  });
const RECORDING = makeRecording();
const STEP_MV = 0.0025;

const CART = {
  heartRateBpm: 64,
  rrMs: 938,
  prMs: 168,
  qrsMs: 98,
  qtMs: 402,
  qtcMs: 415,
  pAxisDeg: 50,
  qrsAxisDeg: 31,
  tAxisDeg: 28,
  statements: ['Sinus rhythm', 'Normal ECG & <no> change'],
};

function refusal(read: () => unknown): EcgFileError {
  try {
    read();
  } catch (error) {
    if (error instanceof EcgFileError) return error;
    throw error;
  }
  throw new Error('the file was accepted');
}

function worstError(file: EcgFile, recording: EcgRecording): number {
  let worst = 0;
  for (const lead of LEAD_NAMES) {
    const read = file.recording.leads[lead];
    expect(read).toHaveLength(recording.leads[lead].length);
    for (let k = 0; k < read.length; k++)
      worst = Math.max(worst, Math.abs(read[k] - recording.leads[lead][k]));
  }
  return worst;
}

/**
 * An aECG as a vendor might write it: a `v3:` namespace prefix, a relative time axis in ms, digits
 * over many indented lines with an origin and a scale in mV, only the eight independent leads,
 * measurements nested in a beat annotation (one of them per lead, which is not global), QTC in
 * capitals, the rate in bpm, the PR in seconds and the name as plain text.
 */
function vendorAecg(
  recording: EcgRecording,
  edit: (lead: LeadName, digits: string) => string = (_l, d) => d,
): string {
  const sequences = INDEPENDENT_LEADS.map((lead) => {
    const digits = Array.from(recording.leads[lead], (mv) => Math.round((mv * 1000 + 100) / 5));
    const lines: string[] = [];
    for (let i = 0; i < digits.length; i += 10) lines.push(digits.slice(i, i + 10).join(' '));
    return `
        <v3:component>
          <v3:sequence>
            <v3:code code="MDC_ECG_LEAD_${lead}" codeSystem="2.16.840.1.113883.6.24"/>
            <v3:value xsi:type="SLIST_PQ">
              <v3:origin value="-100" unit="uV"/>
              <v3:scale value="0.005" unit="mV"/>
              <v3:digits>
                ${edit(lead, lines.join('\n                '))}
              </v3:digits>
            </v3:value>
          </v3:sequence>
        </v3:component>`;
  }).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<v3:AnnotatedECG xmlns:v3="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <v3:id root="1.2.3.4"/>
  <v3:effectiveTime><v3:low value="20240115093000.000"/></v3:effectiveTime>
  <v3:componentOf><v3:timepointEvent><v3:componentOf><v3:subjectAssignment>
    <v3:subject><v3:trialSubject>
      <v3:id root="1.2.3" extension="MRN-77"/>
      <v3:subjectDemographicPerson>
        <v3:name>Li Lei</v3:name>
        <v3:administrativeGenderCode code="M" codeSystem="2.16.840.1.113883.5.1"/>
        <v3:birthTime value="19701231"/>
      </v3:subjectDemographicPerson>
    </v3:trialSubject></v3:subject>
  </v3:subjectAssignment></v3:componentOf></v3:timepointEvent></v3:componentOf>
  <v3:component>
    <v3:series>
      <v3:code code="RHYTHM" codeSystem="2.16.840.1.113883.5.4"/>
      <v3:component>
        <v3:sequenceSet>
          <v3:component>
            <v3:sequence>
              <v3:code code="TIME_RELATIVE" codeSystem="2.16.840.1.113883.5.4"/>
              <v3:value xsi:type="GLIST_PQ">
                <v3:head value="0" unit="ms"/>
                <v3:increment value="2" unit="ms"/>
              </v3:value>
            </v3:sequence>
          </v3:component>${sequences}
        </v3:sequenceSet>
      </v3:component>
      <v3:subjectOf>
        <v3:annotationSet>
          <v3:component>
            <v3:annotation>
              <v3:code code="MDC_ECG_BEAT" codeSystem="2.16.840.1.113883.6.24"/>
              <v3:component>
                <v3:annotation>
                  <v3:code code="MDC_ECG_TIME_PD_QRS" codeSystem="2.16.840.1.113883.6.24"/>
                  <v3:value xsi:type="PQ" value="140" unit="ms"/>
                  <v3:support><v3:supportingROI><v3:code code="ROIPS"/></v3:supportingROI></v3:support>
                </v3:annotation>
              </v3:component>
              <v3:component>
                <v3:annotation>
                  <v3:code code="MDC_ECG_TIME_PD_QRS" codeSystem="2.16.840.1.113883.6.24"/>
                  <v3:value xsi:type="PQ" value="96" unit="ms"/>
                </v3:annotation>
              </v3:component>
              <v3:component>
                <v3:annotation>
                  <v3:code code="MDC_ECG_TIME_PD_QTC" codeSystem="2.16.840.1.113883.6.24"/>
                  <v3:value xsi:type="PQ" value="412" unit="ms"/>
                </v3:annotation>
              </v3:component>
            </v3:annotation>
          </v3:component>
          <v3:component>
            <v3:annotation>
              <v3:code code="MDC_ECG_HEART_RATE" codeSystem="2.16.840.1.113883.6.24"/>
              <v3:value xsi:type="PQ" value="64" unit="bpm"/>
            </v3:annotation>
          </v3:component>
          <v3:component>
            <v3:annotation>
              <v3:code code="MDC_ECG_TIME_PD_PR" codeSystem="2.16.840.1.113883.6.24"/>
              <v3:value xsi:type="PQ" value="0.172" unit="s"/>
            </v3:annotation>
          </v3:component>
          <v3:component>
            <v3:annotation>
              <v3:code code="MDC_ECG_INTERPRETATION" codeSystem="2.16.840.1.113883.6.24"/>
              <v3:component>
                <v3:annotation>
                  <v3:code code="MDC_ECG_INTERPRETATION_STATEMENT" codeSystem="2.16.840.1.113883.6.24"/>
                  <v3:value xsi:type="ST">Sinus rhythm</v3:value>
                </v3:annotation>
              </v3:component>
            </v3:annotation>
          </v3:component>
        </v3:annotationSet>
      </v3:subjectOf>
    </v3:series>
  </v3:component>
</v3:AnnotatedECG>
`;
}

describe('writeAecg → parseAecg', () => {
  const options: AecgWriteOptions = {
    accessionNumber: 'E20240115007',
    patientId: 'P-9001',
    patientName: 'Zhang^Wei',
    patientBirthDate: '19851120',
    patientSex: 'male',
    acquiredAt: '2024-01-15T09:30:00+08:00',
    cart: CART,
    device: { manufacturer: 'Acme Cardio', model: 'Cart 12' },
  };

  it('keeps the 12 leads within one step, the rate, accession, patient, time and cart', () => {
    const xml = writeAecg(RECORDING, options);
    expect(xml).toContain('<AnnotatedECG xmlns="urn:hl7-org:v3"');
    expect(xml).toContain('<code code="MDC_ECG_LEAD_AVR" codeSystem="2.16.840.1.113883.6.24"');
    const file = parseAecg(xml);
    expect(file.format).toBe('aecg');
    expect(file.recording.samplingHz).toBe(500);
    expect(file.durationS).toBe(10);
    expect(file.derivedLeads).toEqual([]);
    expect(file.factorMv).toBeCloseTo(STEP_MV, 12);
    expect(worstError(file, RECORDING)).toBeLessThanOrEqual(STEP_MV / 2 + 1e-9);
    expect(Array.from(file.samples.V4, (s) => s * file.factorMv)).toEqual(
      Array.from(file.recording.leads.V4),
    );
    expect(file).toMatchObject({
      accessionNumber: 'E20240115007',
      patient: { id: 'P-9001', name: 'Zhang^Wei', birthDate: '1985-11-20', sex: 'male' },
      acquiredAt: '2024-01-15T09:30:00+08:00',
      device: { manufacturer: 'Acme Cardio', model: 'Cart 12' },
      cart: CART,
    });
  });

  it('writes a relative time axis when the acquisition time is unknown', () => {
    const xml = writeAecg(RECORDING, { scaleUv: 5 });
    expect(xml).toContain('TIME_RELATIVE');
    const file = parseAecg(Buffer.from(xml));
    expect(file.acquiredAt).toBeUndefined();
    expect(file.accessionNumber).toBeUndefined();
    expect(file.factorMv).toBeCloseTo(0.005, 12);
    expect(worstError(file, RECORDING)).toBeLessThanOrEqual(0.0025 + 1e-9);
  });

  it('derives III, aVR, aVL and aVF when only the eight independent leads are written', () => {
    const file = parseAecg(writeAecg(RECORDING, { leads: [...INDEPENDENT_LEADS] }));
    expect(file.derivedLeads).toEqual(['III', 'aVR', 'aVL', 'aVF']);
    expect(worstError(file, RECORDING)).toBeLessThanOrEqual(STEP_MV + 1e-9);
  });

  it('gives measureEcg the synthetic rate', () => {
    const file = parseAecg(writeAecg(RECORDING));
    expect(Math.abs(measureEcg(file.recording).heartRateBpm - 64)).toBeLessThanOrEqual(2);
  });
});

describe('parseAecg on a vendor document', () => {
  it('reads prefixed elements, wrapped digits, origin and mV scale, nested global measurements', () => {
    const file = parseAecg(vendorAecg(RECORDING));
    expect(file.recording.samplingHz).toBe(500);
    expect(file.derivedLeads).toEqual(['III', 'aVR', 'aVL', 'aVF']);
    expect(worstError(file, RECORDING)).toBeLessThanOrEqual(0.005 + 1e-9);
    expect(file).toMatchObject({
      patient: { id: 'MRN-77', name: 'Li Lei', birthDate: '1970-12-31', sex: 'male' },
      acquiredAt: '2024-01-15T09:30:00.000',
      cart: { qrsMs: 96, qtcMs: 412, heartRateBpm: 64, prMs: 172, statements: ['Sinus rhythm'] },
    });
    expect(file.accessionNumber).toBeUndefined();
  });
});

describe('parseAecg refusals', () => {
  it('refuses a document whose V2 is one sample shorter', () => {
    const xml = vendorAecg(RECORDING, (lead, digits) =>
      lead === 'V2' ? digits.replace(/\s+\S+$/, '') : digits,
    );
    const error = refusal(() => parseAecg(xml));
    expect(error.problem).toBe('inconsistent-samples');
    expect(error.message).toMatch(/V2 4999/);
  });

  it('refuses digits that are not whole numbers', () => {
    const xml = vendorAecg(RECORDING, (lead, digits) =>
      lead === 'V5' ? digits.replace(/^\S+/, '12.5') : digits,
    );
    const error = refusal(() => parseAecg(xml));
    expect(error.problem).toBe('corrupt');
    expect(error.message).toMatch(/V5 has "12\.5" at sample 1/);
  });

  it('refuses a document without V3, naming the lead', () => {
    const leads = LEAD_NAMES.filter((lead) => lead !== 'V3');
    const error = refusal(() => parseAecg(writeAecg(RECORDING, { leads })));
    expect(error.problem).toBe('missing-leads');
    expect(error.message).toMatch(/no lead V3\b/);
  });

  it('refuses other XML as not an ECG', () => {
    const cda = `<?xml version="1.0"?><ClinicalDocument xmlns="urn:hl7-org:v3"><title>Discharge summary</title></ClinicalDocument>`;
    const error = refusal(() => parseAecg(cda));
    expect(error.problem).toBe('not-ecg');
    expect(error.message).toMatch(/<ClinicalDocument>.*AnnotatedECG/);
  });

  it('refuses malformed XML as corrupt', () => {
    const cut = writeAecg(RECORDING).slice(0, 5000);
    const error = refusal(() => parseAecg(cut));
    expect(error.problem).toBe('corrupt');
    expect(error.message).toMatch(/not well-formed XML/);
  });

  it('refuses a recording shorter than 4 s', () => {
    const error = refusal(() => parseAecg(writeAecg(makeRecording(3))));
    expect(error.problem).toBe('corrupt');
    expect(error.message).toMatch(/only 3\.0 s long/);
  });
});
