import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { type NextFunction, type Request, type Response, static as serveStatic } from 'express';

/** Where the built workbench is: dist/workbench, beside dist/apps. */
export const WORKBENCH_DIR = resolve(__dirname, '..', '..', '..', '..', 'workbench');

/** Paths the gateway's own routes answer; everything else that asks for HTML is the workbench. */
const API_PREFIXES = [
  '/api',
  '/auth',
  '/fhir',
  '/dicomweb',
  '/dicomweb-admin',
  '/hl7',
  '/health',
  '/metrics',
  '/admin',
];

/**
 * Serves the workbench (the single-page app in apps/workbench, built by `npm run build`) at `/`:
 * its files (hashed assets cached for a year, index.html never), and index.html for any other
 * page address a browser asks for, so a bookmarked `/imaging/…` opens. Without a build, `/` says
 * how to make one.
 */
export function mountWorkbench(app: NestExpressApplication, dir = WORKBENCH_DIR): void {
  const index = join(dir, 'index.html');
  app.use(
    '/assets',
    serveStatic(join(dir, 'assets'), { immutable: true, maxAge: '365d', fallthrough: true }),
  );
  app.use(serveStatic(dir, { index: false, maxAge: 0 }));
  app.use((request: Request, response: Response, next: NextFunction) => {
    const page =
      (request.method === 'GET' || request.method === 'HEAD') &&
      !API_PREFIXES.some(
        (prefix) => request.path === prefix || request.path.startsWith(`${prefix}/`),
      ) &&
      request.accepts(['html', 'json']) === 'html';
    if (!page) return next();
    response.setHeader('Cache-Control', 'no-store');
    if (!existsSync(index)) {
      response
        .status(503)
        .type('text/plain; charset=utf-8')
        .send(
          '工作台尚未构建 The workbench is not built: run `npm run build` (npm start does it).\n',
        );
      return;
    }
    response.sendFile(index);
  });
}
