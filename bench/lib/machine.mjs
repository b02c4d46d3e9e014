// The machine line printed with the figures, and how busy the CPUs were before a run or during a
// phase of it.
import { cpus } from 'node:os';

/** All CPUs' time so far (ms): in all and idle; see busySince. */
export function cpuSnapshot() {
  return cpus().reduce(
    (sum, { times }) => {
      const all = times.user + times.nice + times.sys + times.irq + times.idle;
      return { all: sum.all + all, idle: sum.idle + times.idle };
    },
    { all: 0, idle: 0 },
  );
}

/** The share of all CPUs' time spent busy since `before` (a cpuSnapshot()), by anything. */
export function busySince(before) {
  const after = cpuSnapshot();
  const all = after.all - before.all;
  return all > 0 ? 1 - (after.idle - before.idle) / all : 0;
}

/** The share of all CPUs' time spent busy over the next `ms` (before the benchmark loads them). */
export async function cpuBusy(ms) {
  const before = cpuSnapshot();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return busySince(before);
}

export const percent = (share) => `${Math.round(share * 100)} %`;

/** e.g. `2 × Intel(R) Xeon(R) Processor (2 % busy before the run), Node v20.20.2`. */
export function machineLine(busyAtStart) {
  return (
    `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'} (${percent(busyAtStart)} busy ` +
    `before the run), Node ${process.version}`
  );
}
