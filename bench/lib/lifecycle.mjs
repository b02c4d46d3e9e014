// What a benchmark started is stopped in reverse order, whether the run ends, fails or is
// interrupted; Ctrl-C or SIGTERM aborts the step under way, a second one quits at once.
import { complain } from '../../scripts/lib/output.mjs';

/**
 * Installs the SIGINT/SIGTERM handlers. `stopping` says what an interruption stops (printed).
 * Returns `signal` (aborted on interruption), `defer(what, run)` to register a clean-up as soon as
 * its resource exists, `cleanUp()` to run them all (last first; a failing one is reported and the
 * rest still run), and `checkpoint()`, which throws once interrupted.
 */
export function lifecycle(stopping) {
  const cleanups = [];
  const interruption = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (interruption.signal.aborted) process.exit(130); // a second Ctrl-C: stop cleaning up
      complain(`${signal}: ${stopping} (again: quit at once)`);
      interruption.abort();
    });
  }
  return {
    signal: interruption.signal,
    defer(what, run) {
      cleanups.push({ what, run });
    },
    async cleanUp() {
      while (cleanups.length) {
        const { what, run } = cleanups.pop();
        try {
          await run();
        } catch (error) {
          complain(`${what} failed: ${error.message}`);
        }
      }
    },
    checkpoint() {
      if (interruption.signal.aborted) throw new Error('interrupted');
    },
  };
}
