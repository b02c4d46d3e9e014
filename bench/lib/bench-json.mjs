// The figures of a benchmark as `.run/bench/<name>.json`, in the shape every benchmark of issue 11
// writes: `{ name, title, rows: [{ benchmark, figure, value, unit, baseline?, ratio?, target?,
// met? }] }`, so that a report can gather them. A row's `met` is judged here from its target.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from '../../scripts/lib/apps.mjs';

/** Whether `value` meets `target` (`{ op: '>=' | '<=', value }`); undefined without either. */
export function meets(value, target) {
  if (!target || !Number.isFinite(value)) return target ? false : undefined;
  return target.op === '<=' ? value <= target.value : value >= target.value;
}

/** One row; `met` and `ratio` (value / baseline value) are filled in when they apply. */
export function row({ benchmark, figure, value, unit, baseline, target }) {
  return {
    benchmark,
    figure,
    value: Number.isFinite(value) ? value : null,
    unit,
    ...(baseline
      ? { baseline, ratio: Number.isFinite(value / baseline.value) ? value / baseline.value : null }
      : {}),
    ...(target ? { target, met: meets(value, target) } : {}),
  };
}

/** Writes `.run/bench/<name>.json` under the repository root and answers its path. */
export async function writeBenchJson(name, title, rows) {
  const dir = join(ROOT, '.run', 'bench');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  await writeFile(path, `${JSON.stringify({ name, title, rows }, null, 2)}\n`);
  return path;
}
