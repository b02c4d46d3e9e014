// The five apps, their compiled entry points and health ports: one list for every script (and the
// Docker health check), so a new app is added in one place.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');

export const APPS = [
  { name: 'gateway', portVariable: 'PORT', defaultPort: 3000 },
  { name: 'lab-center', portVariable: 'LAB_PORT', defaultPort: 3001 },
  { name: 'imaging-center', portVariable: 'IMAGING_PORT', defaultPort: 3002 },
  { name: 'ecg-center', portVariable: 'ECG_PORT', defaultPort: 3003 },
  { name: 'pathology-center', portVariable: 'PATHOLOGY_PORT', defaultPort: 3004 },
];

export const APP_NAMES = APPS.map((app) => app.name);

export const distOf = (...parts) => join(ROOT, 'dist', ...parts);
export const entryOf = (app) => distOf('apps', app, 'src', 'main.js');
export const dataSourceOf = (app) => distOf('apps', app, 'src', 'data-source.js');
export const persistenceLib = () => distOf('libs', 'persistence', 'src', 'index.js');
export const seedModule = () => distOf('apps', 'gateway', 'src', 'seed', 'seed.js');

/** The port an app listens on, as the app itself reads it (empty counts as unset). */
export function portOf(app, env = process.env) {
  const spec = APPS.find((a) => a.name === app);
  if (!spec) throw new Error(`unknown app "${app}" (known: ${APP_NAMES.join(', ')})`);
  return Number(env[spec.portVariable] || spec.defaultPort);
}
