import type { Bundle } from 'fhir/r4';
import { clientToken } from './auth-client';
import { makeOrderBundle, makePatient, makePlacerNumber, makeResidentId } from './factories';
import { MllpClient, hl7Field } from './mllp-client';

/** What the clinic's HIS and the lab's analyser middleware know happened to one order. */
export interface LedgerEntry {
  placer: string;
  via: 'fhir' | 'hl7';
  /** The hub answered 200 (FHIR) or AA (HL7): the order is the hub's from then on. */
  accepted: boolean;
  /** The hub refused the order for good (a 4xx, an AE that is not an internal error). */
  refused?: string;
  orderId?: string;
  orderAttempts: number;
  /** The hub answered 201 to the results: they are the hub's from then on. */
  resultAccepted: boolean;
  resultRefused?: string;
  reportId?: string;
  resultAttempts: number;
}

/** How a submission went: done, refused for good, or worth trying again. */
type Outcome =
  | { kind: 'done'; value?: string }
  | { kind: 'refused'; why: string }
  | { kind: 'retry'; why: string };

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A steady stream of lab orders (FHIR transactions and HL7 ORM^O01 over MLLP, alternately) from
 * CLINIC-A and of analyser results for them, with the retries a real HIS and real analyser
 * middleware make: a connection error, a 5xx/429, no answer in time or an HL7 AR / AE-207
 * (internal error) is sent again, unchanged (same placer number, same MSH-10), until accepted or
 * until the deadline. The ledger remembers what the hub accepted and what it did not.
 */
export class OrderStream {
  readonly ledger: LedgerEntry[] = [];
  /** Why submissions had to be sent again (HTTP status, ACK code, connection error), counted. */
  readonly retries = new Map<string, number>();
  private readonly tokens = new Map<string, string>();
  private readonly running = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;
  private deadline = Number.POSITIVE_INFINITY;

  constructor(
    private readonly hub: { baseUrl: string; fhirUrl: string; hl7Port: number },
    /** The hub's order id for a placer number, as the analyser reads it off the specimen label. */
    private readonly orderIdOf: (placer: string) => Promise<string | undefined>,
    private readonly ordersPerSecond: number,
  ) {}

  /** Starts placing orders at the configured rate. */
  start(): void {
    let n = 0;
    this.timer = setInterval(() => {
      const entry: LedgerEntry = {
        placer: makePlacerNumber(),
        via: n++ % 2 === 0 ? 'fhir' : 'hl7',
        accepted: false,
        orderAttempts: 0,
        resultAccepted: false,
        resultAttempts: 0,
      };
      this.ledger.push(entry);
      const work = this.follow(entry).finally(() => this.running.delete(work));
      this.running.add(work);
    }, 1000 / this.ordersPerSecond);
  }

  /** Stops placing new orders; orders under way go on until `deadline` (ms since the epoch). */
  stop(deadline: number): void {
    clearInterval(this.timer);
    this.deadline = deadline;
  }

  /** Resolves when every order has been followed to its end (accepted with results, or given up). */
  async settled(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }

  private async follow(entry: LedgerEntry): Promise<void> {
    const bundle = makeOrderBundle({
      org: 'CLINIC-A',
      placer: entry.placer,
      patient: makePatient({
        identifier: [
          {
            system: 'urn:oid:2.16.156.10011.1.3',
            value: makeResidentId({ birthDate: '1960-05-01', gender: 'male' }),
          },
        ],
      }),
    });
    // A HIS sends the very same message again: same placer number, same MSH-10.
    const message = orderMessage(entry.placer);
    const order = await this.retry(entry, 'orderAttempts', () =>
      entry.via === 'fhir' ? this.postFhirOrder(bundle) : this.sendHl7Order(message),
    );
    if (order.kind === 'refused') entry.refused = order.why;
    if (order.kind !== 'done') return;
    entry.accepted = true;
    entry.orderId = order.value;
    const lookedUp = await this.retry(entry, 'resultAttempts', async () => {
      entry.orderId ??= await this.orderIdOf(entry.placer);
      return entry.orderId ? { kind: 'done' } : { kind: 'retry', why: 'order id not found yet' };
    });
    if (lookedUp.kind !== 'done') return;
    const result = await this.retry(entry, 'resultAttempts', () =>
      this.postResult(entry.orderId as string),
    );
    if (result.kind === 'refused') entry.resultRefused = result.why;
    if (result.kind !== 'done') return;
    entry.resultAccepted = true;
    entry.reportId = result.value;
  }

  /** Tries `attempt` until it is done or refused; gives up at the deadline. */
  private async retry(
    entry: LedgerEntry,
    counter: 'orderAttempts' | 'resultAttempts',
    attempt: () => Promise<Outcome>,
  ): Promise<Exclude<Outcome, { kind: 'retry' }> | { kind: 'gave-up' }> {
    // Backing off (0.5 s doubling to 8 s, with jitter), as a HIS should: a hub that is restarting
    // is not helped by every client hammering it.
    for (let wait = 500; ; wait = Math.min(wait * 2, 8000)) {
      if (Date.now() > this.deadline) return { kind: 'gave-up' };
      entry[counter]++;
      const outcome = await attempt().catch((error: unknown): Outcome => ({
        kind: 'retry',
        why: `${counter === 'orderAttempts' ? 'order' : 'result'} ${(error as Error).name}: ${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message.slice(0, 40)}`,
      }));
      if (outcome.kind !== 'retry') return outcome;
      this.retries.set(outcome.why, (this.retries.get(outcome.why) ?? 0) + 1);
      await pause(wait * (0.5 + Math.random() / 2));
    }
  }

  private async token(client: string, secret: string, fresh = false): Promise<string> {
    const known = this.tokens.get(client);
    if (known && !fresh) return known;
    const token = await clientToken(this.hub.baseUrl, client, secret);
    this.tokens.set(client, token);
    return token;
  }

  private async call(
    client: [string, string],
    url: string,
    body: unknown,
    contentType: string,
  ): Promise<Response> {
    const send = async (token: string) =>
      fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(20_000),
      });
    const response = await send(await this.token(...client));
    // A token from before a restart may no longer be valid: sign in again, once.
    return response.status === 401 ? send(await this.token(...client, true)) : response;
  }

  private async postFhirOrder(bundle: Bundle): Promise<Outcome> {
    const response = await this.call(
      ['clinic-a', 'clinic-a-secret'],
      this.hub.fhirUrl,
      bundle,
      'application/fhir+json',
    );
    if (response.status >= 500 || response.status === 429)
      return { kind: 'retry', why: `order HTTP ${response.status}` };
    const body = (await response.json()) as Bundle & { issue?: Array<{ diagnostics?: string }> };
    if (response.status !== 200)
      return { kind: 'refused', why: `HTTP ${response.status} ${body.issue?.[0]?.diagnostics}` };
    const orderId = body.entry
      ?.map((e) => e.response?.location ?? '')
      .find((l) => l.startsWith('ServiceRequest/'))
      ?.split('/')[1];
    return { kind: 'done', value: orderId };
  }

  private async sendHl7Order(message: string): Promise<Outcome> {
    const mllp = await MllpClient.connect(this.hub.hl7Port);
    try {
      const ack = await mllp.send(message, 'utf-8', 20_000);
      const code = hl7Field(ack, 'MSA', 1);
      if (code === 'AA') return { kind: 'done' };
      // AR: the hub could not take it now; AE 207: an internal error (logged, may be replayed).
      if (code === 'AR' || hl7Field(ack, 'ERR', 3).startsWith('207'))
        return { kind: 'retry', why: `order ${code} ${hl7Field(ack, 'ERR', 3).split('^')[0]}` };
      return { kind: 'refused', why: `${code} ${hl7Field(ack, 'ERR', 8)}` };
    } finally {
      mllp.close();
    }
  }

  private async postResult(orderId: string): Promise<Outcome> {
    const response = await this.call(
      ['lab-analyser', 'lab-analyser-secret'],
      `${this.hub.baseUrl}/api/lab/results`,
      { orderId, results: [{ code: '2823-3', value: 4.1 }] },
      'application/json',
    );
    // 404: the lab has not received the order yet (it is on its way through the queue).
    if (response.status >= 500 || response.status === 429 || response.status === 404)
      return { kind: 'retry', why: `result HTTP ${response.status}` };
    const body = (await response.json()) as { reportId?: string; diagnostics?: string };
    if (response.status !== 201)
      return { kind: 'refused', why: `HTTP ${response.status} ${JSON.stringify(body)}` };
    return { kind: 'done', value: body.reportId };
  }
}

/** An ORM^O01 for a potassium, for a new patient, as CLINIC-A's HIS sends it. */
function orderMessage(placer: string): string {
  const patient = makeResidentId({ birthDate: '1970-03-02', gender: 'female' });
  return [
    `MSH|^~\\&|HIS|CLINIC-A|HUB|HUB|20261123083000+0800||ORM^O01^ORM_O01|C${placer.replace(/\W/g, '')}|P|2.5.1|||||CHN|UNICODE UTF-8`,
    `PID|1||${patient}^^^&2.16.156.10011.1.3&ISO^NNCHN||王^小红||19700302|F`,
    `ORC|NW|${placer}^HIS|||||^^^^^R`,
    `OBR|1|||2823-3^Potassium^LN|||20261123082000`,
  ].join('\r');
}
