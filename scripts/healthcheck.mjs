// Docker HEALTHCHECK: exit 0 when the app named by APP answers 200 on its own /health port.
// Dependency-free, so it also works in the slim runtime image.
import { portOf } from './lib/apps.mjs';

const app = process.env.APP ?? 'gateway';
const url = `http://127.0.0.1:${portOf(app)}/health`;
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(4000) });
  if (response.status !== 200) console.error(`${url}: HTTP ${response.status}`);
  process.exit(response.status === 200 ? 0 : 1);
} catch (error) {
  console.error(`${url}: ${error.cause?.code ?? error.message}`);
  process.exit(1);
}
