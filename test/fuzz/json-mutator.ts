import { type Rng, hostileJson, hostileStrings, junkBytes, mutateBytes } from '../support/fuzz-kit';

type Path = Array<string | number>;
type Container = Record<string | number, unknown>;

/** Every path into a JSON value (objects and arrays), the root excluded. */
function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (value && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      const path = [...prefix, Array.isArray(value) ? Number(key) : key];
      out.push(path);
      pathsOf((value as Container)[key], path, out);
    }
  }
  return out;
}

function parentOf(root: unknown, path: Path): Container {
  let node = root as Container;
  for (const key of path.slice(0, -1)) node = node[key] as Container;
  return node;
}

const get = (root: unknown, path: Path) => parentOf(root, path)[path[path.length - 1]];

function set(root: unknown, path: Path, value: unknown): void {
  parentOf(root, path)[path[path.length - 1]] = value;
}

function remove(root: unknown, path: Path): void {
  const parent = parentOf(root, path);
  const key = path[path.length - 1];
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else delete parent[key];
}

/** Marks where a deeply nested value goes in the serialised text. */
const DEEP = 'fuzz-deep-nesting-marker-7f3a';

const BAD_DATES = [
  '2026-02-30',
  '2026-13-01',
  '1899-00-00',
  '20260101',
  '2026-1-1',
  '9999-99-99',
  '-0001-01-01',
  '2026-11-23T25:00:00Z',
  '2026-11-23T10:00:00',
  '',
  'yesterday',
  '3000-01-01',
  '1800-01-01',
];

const RESOURCE_TYPES = [
  'Patient',
  'ServiceRequest',
  'Bundle',
  'Observation',
  'OperationOutcome',
  'Medication',
  'patient',
  '',
  'Patient ',
  '__proto__',
];

/**
 * Structural mutations of a valid FHIR resource (or Bundle) built by the factories: delete,
 * duplicate, swap and rename fields, wrong types, out-of-range numbers, bad dates, hostile
 * strings, unknown fields and types, deep nesting and huge arrays; then, on the serialised text,
 * truncation, byte flips, duplicate keys and other encodings; and pure junk.
 */
export class JsonMutator {
  private readonly strings: string[];
  private readonly values: unknown[];
  /** The text that replaces the {@link DEEP} marker. */
  private deep = 'null';

  constructor(seed: number) {
    this.strings = hostileStrings(seed);
    this.values = hostileJson(seed);
  }

  /** One mutant of `valid`: its kind, body and the content type to send it with. */
  mutate(
    rng: Rng,
    valid: unknown,
  ): { kind: string; body: Buffer; contentType: string | undefined } {
    const roll = rng.next();
    if (roll < 0.04) return { kind: 'junk-bytes', body: junkBytes(rng), contentType: FHIR_JSON };
    if (roll < 0.07)
      return {
        kind: 'junk-json',
        body: Buffer.from(JSON.stringify(rng.pick(this.values)) ?? 'null'),
        contentType: FHIR_JSON,
      };
    const tree = structuredClone(valid);
    this.deep = 'null';
    const kinds: string[] = [];
    for (let n = rng.int(1, 4); n > 0; n--) kinds.push(this.structural(rng, tree));
    let text = JSON.stringify(tree).replace(`"${DEEP}"`, () => this.deep);
    let contentType: string | undefined = FHIR_JSON;
    let body: Buffer = Buffer.from(text, 'utf8');
    const textual = rng.next();
    if (textual < 0.1) {
      kinds.push('text-bytes');
      body = mutateBytes(rng, body);
    } else if (textual < 0.14) {
      kinds.push('duplicate-key');
      text = text.replace('{', `{"resourceType":${JSON.stringify(rng.pick(RESOURCE_TYPES))},`);
      body = Buffer.from(text, 'utf8');
    } else if (textual < 0.18) {
      kinds.push('other-encoding');
      const encoding = rng.pick(['utf16le', 'latin1'] as const);
      body = Buffer.from(text, encoding);
      if (rng.chance(0.5))
        contentType = `${FHIR_JSON}; charset=${rng.pick(['utf-16', 'gb2312', 'x-nonsense'])}`;
    } else if (textual < 0.22) {
      kinds.push('content-type');
      contentType = rng.pick([
        undefined,
        'text/plain',
        'application/xml',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/fhir+json; fhirVersion=9.9',
        'application/json; charset=ebcdic',
      ]);
    }
    return { kind: kinds.join('+'), body, contentType };
  }

  private structural(rng: Rng, tree: unknown): string {
    const paths = pathsOf(tree);
    if (paths.length === 0) return 'empty';
    const path = rng.pick(paths);
    const current = get(tree, path);
    const op = rng.int(0, 13);
    switch (op) {
      case 0:
        remove(tree, path);
        return 'delete-field';
      case 1: {
        const arrays = paths.filter((p) => Array.isArray(get(tree, p)));
        const target = arrays.length ? rng.pick(arrays) : path;
        const array = get(tree, target);
        if (Array.isArray(array) && array.length)
          array.push(structuredClone(array[rng.int(0, array.length)]));
        return 'duplicate-element';
      }
      case 2: {
        const other = rng.pick(paths);
        const otherValue = get(tree, other);
        // Skip a swap of a value with its own ancestor or descendant (a cycle).
        if (isPrefix(path, other) || isPrefix(other, path)) return 'swap-skipped';
        set(tree, path, structuredClone(otherValue));
        set(tree, other, structuredClone(current));
        return 'swap-values';
      }
      case 3:
        set(tree, path, this.wrongType(rng, current));
        return 'wrong-type';
      case 4:
        set(tree, path, rng.pick(this.strings));
        return 'hostile-string';
      case 5: {
        const dates = paths.filter((p) =>
          /date|time|authored|issued|period|start|end/i.test(String(p[p.length - 1])),
        );
        set(tree, dates.length ? rng.pick(dates) : path, rng.pick(BAD_DATES));
        return 'bad-date';
      }
      case 6:
        set(
          tree,
          path,
          rng.pick([1e308, -1, 0.5, -0, 2 ** 53 + 1, -(2 ** 63), 1e-320, 4294967296, 65536]),
        );
        return 'extreme-number';
      case 7: {
        const parent = parentOf(tree, path);
        if (!Array.isArray(parent))
          parent[
            rng.pick([
              'extension',
              'id',
              'meta',
              'contained',
              'colour',
              '_birthDate',
              'resourceType',
            ])
          ] = rng.pick(this.values);
        return 'unknown-field';
      }
      case 8: {
        const types = paths.filter((p) => p[p.length - 1] === 'resourceType');
        set(tree, types.length ? rng.pick(types) : path, rng.pick(RESOURCE_TYPES));
        return 'resource-type';
      }
      case 9: {
        // Nested in the text: JSON.stringify itself would overflow the stack on the deepest.
        const depth = rng.pick([30, 300, 3000, 100_000]);
        const [open, close] = rng.chance(0.5) ? ['[', ']'] : ['{"a":', '}'];
        set(tree, path, DEEP);
        this.deep = `${open.repeat(depth)}${JSON.stringify(current) ?? 'null'}${close.repeat(depth)}`;
        return 'deep-nesting';
      }
      case 10:
        // Up to about 6 MB: past the API's 5 MB body limit now and then. Primitives only: one
        // object shared by every slot would multiply with the next mutation of it.
        set(
          tree,
          path,
          new Array(rng.pick([1000, 10000, 300000])).fill(rng.pick(['x'.repeat(20), 7, null])),
        );
        return 'huge-array';
      case 11: {
        const parent = parentOf(tree, path);
        const key = path[path.length - 1];
        if (!Array.isArray(parent)) {
          const renamed = rng.pick([
            `${String(key)}s`,
            String(key).toUpperCase(),
            `_${String(key)}`,
            '',
          ]);
          parent[renamed] = parent[key];
          delete parent[key];
        }
        return 'rename-key';
      }
      default: {
        const refs = paths.filter((p) => p[p.length - 1] === 'reference');
        set(
          tree,
          refs.length ? rng.pick(refs) : path,
          rng.pick([
            'Patient/',
            'Patient/../../etc',
            'urn:uuid:nowhere',
            'Organization/clinic-b',
            'http://evil.example/Patient/1',
            '#contained',
            'Patient/00000000-0000-0000-0000-000000000000',
            rng.pick(this.strings),
          ]),
        );
        return 'bad-reference';
      }
    }
  }

  private wrongType(rng: Rng, current: unknown): unknown {
    const options: unknown[] = [null, 42, true, 'text', [], {}, [current], { value: current }];
    const picked = rng.chance(0.3) ? rng.pick(this.values) : rng.pick(options);
    return typeof picked === typeof current && Array.isArray(picked) === Array.isArray(current)
      ? null
      : picked;
  }
}

const FHIR_JSON = 'application/fhir+json';

function isPrefix(a: Path, b: Path): boolean {
  return a.length <= b.length && a.every((key, i) => b[i] === key);
}
