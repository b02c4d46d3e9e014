import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The workbench: a single-page app built into dist/workbench and served by the gateway at `/`.
 * `npm run dev:workbench` serves it with hot reload and passes the APIs through to a running
 * gateway (GATEWAY_URL, default http://127.0.0.1:3000).
 */
export default defineConfig({
  root,
  base: '/',
  build: {
    outDir: fileURLToPath(new URL('../../dist/workbench', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2500,
    rolldownOptions: {
      // React libraries mark client components with "use client", which a browser bundle ignores.
      onLog(level, log, handler) {
        if (log.code === 'MODULE_LEVEL_DIRECTIVE') return;
        handler(level, log);
      },
    },
  },
  oxc: { jsx: { runtime: 'automatic' } },
  server: {
    port: 5173,
    proxy: Object.fromEntries(
      ['/api', '/auth', '/fhir', '/dicomweb', '/health', '/admin'].map((path) => [
        path,
        process.env.GATEWAY_URL ?? 'http://127.0.0.1:3000',
      ]),
    ),
  },
});
