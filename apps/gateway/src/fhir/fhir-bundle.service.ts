import { Injectable } from '@nestjs/common';
import type { Bundle, BundleEntry } from 'fhir/r4';
import { type EntityManager } from 'typeorm';
import { FhirError, type StoredResource } from '@hub/fhir';
import { type Principal } from '../auth/principal';
import { OutboxRelayService } from '../order/outbox-relay.service';
import { FhirSearchService } from './fhir-search.service';
import { FhirStore } from './fhir-store.service';
import { FhirWriteService, type WriteOutcome, assertNesting } from './fhir-write.service';
import { type Accessor } from '../audit/accessor';

export const MAX_BUNDLE_ENTRIES = 500;

/**
 * Referenced types are created before the resources that point at them, so `urn:uuid:` references
 * can be resolved in one pass (patients before orders, observations before reports).
 */
const CREATE_ORDER = [
  'Organization',
  'Patient',
  'ServiceRequest',
  'Task',
  'Observation',
  'DiagnosticReport',
];

interface PlannedEntry {
  index: number;
  fullUrl?: string;
  resource: Record<string, unknown>;
  ifNoneExist?: string;
  type: string;
}

/**
 * Batch and transaction Bundles (POST /fhir). A transaction is all or nothing: every entry in one
 * database transaction, `urn:uuid:` references rewritten to the stored ids, conditional create by
 * `ifNoneExist`; any error rolls the whole Bundle back and is answered with an OperationOutcome
 * naming the entry. A batch processes each entry on its own and reports each entry's outcome.
 */
@Injectable()
export class FhirBundleService {
  constructor(
    private readonly store: FhirStore,
    private readonly writer: FhirWriteService,
    private readonly search: FhirSearchService,
    private readonly relay: OutboxRelayService,
  ) {}

  async process(
    input: unknown,
    principal: Principal,
    accessor: Accessor,
    baseUrl: string,
  ): Promise<Bundle> {
    assertNesting(input, 'Bundle');
    const bundle = validateBundle(input);
    const entries = (bundle.entry ?? []).map((entry, index) => planEntry(entry, index));
    if (bundle.type === 'transaction')
      return this.transaction(entries, principal, accessor, baseUrl);
    return this.batch(entries, principal, accessor, baseUrl);
  }

  private async transaction(
    entries: PlannedEntry[],
    principal: Principal,
    accessor: Accessor,
    baseUrl: string,
  ): Promise<Bundle> {
    const fullUrls = entries.map((e) => e.fullUrl).filter((u): u is string => !!u);
    if (new Set(fullUrls).size !== fullUrls.length)
      throw FhirError.badRequest('Bundle.entry.fullUrl values must be unique in a transaction');
    const outcomes = new Map<number, WriteOutcome>();
    await this.store.transaction(async (manager) => {
      const resolved = new Map<string, string>();
      const ordered = [...entries].sort((a, b) => rank(a.type) - rank(b.type) || a.index - b.index);
      for (const entry of ordered) {
        const path = `Bundle.entry[${entry.index}].resource`;
        const resource = rewriteReferences(entry.resource, resolved);
        const outcome = await this.createOne(
          manager,
          entry,
          resource,
          principal,
          accessor,
          path,
          baseUrl,
        );
        outcomes.set(entry.index, outcome);
        if (entry.fullUrl)
          resolved.set(entry.fullUrl, `${outcome.resource.resourceType}/${outcome.resource.id}`);
      }
      // References to a urn:uuid that no entry defines would dangle: refuse the Bundle.
      for (const outcome of outcomes.values()) {
        const dangling = findUrnReference(outcome.resource);
        if (dangling)
          throw FhirError.badRequest(
            `reference ${dangling} does not match the fullUrl of any entry in the Bundle`,
          );
      }
    });
    if ([...outcomes.values()].some((o) => o.routed)) this.relay.kick();
    return {
      resourceType: 'Bundle',
      type: 'transaction-response',
      entry: entries.map((entry) =>
        responseEntry(outcomes.get(entry.index) as WriteOutcome, baseUrl),
      ),
    };
  }

  private async batch(
    entries: PlannedEntry[],
    principal: Principal,
    accessor: Accessor,
    baseUrl: string,
  ): Promise<Bundle> {
    const response: BundleEntry[] = [];
    let routed = false;
    for (const entry of entries) {
      const path = `Bundle.entry[${entry.index}].resource`;
      try {
        if (findUrnReference(entry.resource))
          throw FhirError.badRequest(
            `${path}: urn:uuid: references are only resolved in a transaction Bundle`,
          );
        const outcome = await this.store.transaction((manager) =>
          this.createOne(manager, entry, entry.resource, principal, accessor, path, baseUrl),
        );
        routed ||= outcome.routed;
        response.push(responseEntry(outcome, baseUrl));
      } catch (error) {
        if (!(error instanceof FhirError)) throw error;
        response.push({
          response: { status: String(error.status), outcome: error.toOperationOutcome() },
        });
      }
    }
    if (routed) this.relay.kick();
    return { resourceType: 'Bundle', type: 'batch-response', entry: response };
  }

  private async createOne(
    manager: EntityManager,
    entry: PlannedEntry,
    resource: Record<string, unknown>,
    principal: Principal,
    accessor: Accessor,
    path: string,
    baseUrl: string,
  ): Promise<WriteOutcome> {
    if (entry.ifNoneExist && entry.type !== 'Patient' && entry.type !== 'ServiceRequest') {
      // Patients link by identifier and orders by placer number anyway; other types search.
      const query = [...new URLSearchParams(entry.ifNoneExist).entries()];
      const found = await this.search.search(entry.type, query, accessor, baseUrl);
      if ((found.total ?? 0) > 1) {
        throw FhirError.preconditionFailed(
          `Bundle.entry[${entry.index}].request.ifNoneExist matches ${found.total} resources`,
        );
      }
      const match = found.entry?.[0]?.resource as StoredResource | undefined;
      if (match) return { resource: match, created: false, routed: false };
    }
    return this.writer.create(manager, resource, principal, accessor.agent, path);
  }
}

function validateBundle(input: unknown): Bundle {
  if (
    typeof input !== 'object' ||
    input === null ||
    (input as { resourceType?: unknown }).resourceType !== 'Bundle'
  ) {
    throw FhirError.badRequest('POST /fhir takes a Bundle of type batch or transaction', [
      'Bundle',
    ]);
  }
  const bundle = input as Bundle;
  if (bundle.type !== 'transaction' && bundle.type !== 'batch') {
    throw FhirError.badRequest(
      `Bundle.type must be transaction or batch (got ${String(bundle.type)})`,
      ['Bundle.type'],
    );
  }
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry))
    throw FhirError.badRequest('Bundle.entry must be an array', ['Bundle.entry']);
  if ((bundle.entry?.length ?? 0) > MAX_BUNDLE_ENTRIES) {
    throw FhirError.badRequest(`a Bundle may have at most ${MAX_BUNDLE_ENTRIES} entries`, [
      'Bundle.entry',
    ]);
  }
  return bundle;
}

function planEntry(entry: BundleEntry, index: number): PlannedEntry {
  const where = `Bundle.entry[${index}]`;
  const method = entry.request?.method;
  if (method !== 'POST') {
    throw FhirError.notSupported(
      `${where}.request.method ${String(method ?? '(missing)')} is not supported; entries must be POST (create)`,
    );
  }
  const resource = entry.resource as Record<string, unknown> | undefined;
  if (!resource || typeof resource.resourceType !== 'string')
    throw FhirError.badRequest(`${where}.resource is required`, [`${where}.resource`]);
  const rawUrl: unknown = entry.request?.url;
  if (rawUrl !== undefined && typeof rawUrl !== 'string')
    throw FhirError.badRequest(`${where}.request.url must be a string`, [`${where}.request.url`]);
  const url = rawUrl?.split('?')[0];
  if (url && url !== resource.resourceType) {
    throw FhirError.badRequest(
      `${where}.request.url (${url}) does not match the resource type ${resource.resourceType}`,
      [`${where}.request.url`],
    );
  }
  if (
    entry.fullUrl !== undefined &&
    !/^urn:uuid:[0-9a-fA-F-]{36}$/.test(entry.fullUrl) &&
    !/^https?:\/\//.test(entry.fullUrl)
  ) {
    throw FhirError.badRequest(`${where}.fullUrl must be a urn:uuid: or an absolute URL`, [
      `${where}.fullUrl`,
    ]);
  }
  return {
    index,
    fullUrl: entry.fullUrl,
    resource,
    ifNoneExist: entry.request?.ifNoneExist,
    type: resource.resourceType,
  };
}

function rank(type: string): number {
  const position = CREATE_ORDER.indexOf(type);
  return position < 0 ? CREATE_ORDER.length : position;
}

/** A deep copy with every `reference` to a known urn:uuid replaced by `Type/id`. */
function rewriteReferences(
  value: Record<string, unknown>,
  resolved: Map<string, string>,
): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value), (key, v: unknown) =>
    key === 'reference' && typeof v === 'string' && resolved.has(v) ? resolved.get(v) : v,
  ) as Record<string, unknown>;
}

function findUrnReference(value: unknown): string | undefined {
  let found: string | undefined;
  JSON.stringify(value, (key, v: unknown) => {
    if (!found && key === 'reference' && typeof v === 'string' && v.startsWith('urn:uuid:'))
      found = v;
    return v;
  });
  return found;
}

function responseEntry(outcome: WriteOutcome, baseUrl: string): BundleEntry {
  const { resource } = outcome;
  return {
    fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id}`,
    resource: resource as BundleEntry['resource'],
    response: {
      status: outcome.created ? '201 Created' : '200 OK',
      location: `${resource.resourceType}/${resource.id}/_history/${resource.meta?.versionId ?? '1'}`,
      etag: `W/"${resource.meta?.versionId ?? '1'}"`,
      lastModified: resource.meta?.lastUpdated,
    },
  };
}
