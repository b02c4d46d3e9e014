// The ORM^O01 orders the benchmark sends: each with its own placer number (the hub stores each
// once) and its own valid 居民身份证号 (a new patient per order, as a township HIS would send them).

// GB 11643 / ISO 7064 MOD 11-2, as in libs/identity/src/resident-id.ts.
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
const DAY_MS = 86_400_000;

/** The check character for the first 17 digits of a resident identity number. */
export function residentIdCheckChar(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK_CHARS[sum % 11];
}

/**
 * A distinct, valid 居民身份证号 for every `seq`: area 110101, birth dates from 1950-01-01 on, an even
 * sequence number (even = female, matching PID-8 F).
 */
export function residentId(seq) {
  const birth = new Date(Date.UTC(1950, 0, 1) + Math.floor(seq / 500) * DAY_MS);
  const date = birth.toISOString().slice(0, 10).replaceAll('-', '');
  const body = `110101${date}${String((seq % 500) * 2).padStart(3, '0')}`;
  return body + residentIdCheckChar(body);
}

/** An ORM^O01 (UTF-8) from CLINIC-A for one potassium test; segments end with CR. */
export function orderMessage({ controlId, placer, residentId: id }) {
  return Buffer.from(
    [
      `MSH|^~\\&|HIS|CLINIC-A|HUB|HUB|20261123083000+0800||ORM^O01^ORM_O01|${controlId}|P|2.5.1|||||CHN|UNICODE UTF-8`,
      `PID|1||${id}^^^&2.16.156.10011.1.3&ISO^NNCHN||王^小明||${id.slice(6, 14)}|${Number(id[16]) % 2 ? 'M' : 'F'}`,
      `ORC|NW|${placer}^HIS|||||^^^^^R`,
      `OBR|1|||2823-3^Potassium^LN|||20261123082000`,
    ].join('\r'),
    'utf8',
  );
}

/**
 * What is wrong with `ack` as the answer to the message with `controlId`, or undefined when it is
 * an AA for that message.
 */
export function ackProblem(ack, controlId) {
  const segments = ack.toString('utf8').split('\r');
  const msa = segments.find((segment) => segment.startsWith('MSA|'))?.split('|');
  if (!msa) return 'ACK without MSA segment';
  if (msa[2] !== controlId) return `ACK for another message (MSA-2 ${msa[2]})`;
  if (msa[1] === 'AA') return undefined;
  // ERR-8 (or MSA-3) says why; it names the field, never patient data.
  const err = segments.find((segment) => segment.startsWith('ERR|'))?.split('|');
  return `MSA-1 ${msa[1]}: ${err?.[8] || msa[3] || 'no reason given'}`;
}
