// The five apps, their compiled entry points and health ports. One list for every script.
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

export const entryOf = (app) => join(ROOT, 'dist', 'apps', app, 'src', 'main.js');
export const dataSourceOf = (app) => join(ROOT, 'dist', 'apps', app, 'src', 'data-source.js');
export const portOf = (app, env = process.env) => {
  const spec = APPS.find((a) => a.name === app);
  return Number(env[spec.portVariable] || spec.defaultPort);
};
