// Resident memory (RSS) of the hub's processes, read from /proc/<pid>/status (VmRSS, what `ps`
// and `top` show as RES): sampled on a timer during a phase, so that a phase's peak can be told
// from its start. Linux only, like the rest of the benchmarks' process handling.
import { readFileSync } from 'node:fs';

/** VmRSS of `pid` in bytes, or NaN when the process is gone (or has no /proc entry). */
export function rssOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? NaN : Number(kb) * 1024;
  } catch {
    return NaN;
  }
}

/** The RSS of each of `processes` (`[{ name, pid }]`) now, by name. */
export function rssNow(processes) {
  return Object.fromEntries(processes.map(({ name, pid }) => [name, rssOf(pid)]));
}

/**
 * Samples the RSS of `processes` every `intervalMs` until stop() is called. stop() answers, per
 * process name, the first, peak and last sample (bytes) and the number of samples. The timer
 * reads a small /proc file per process: far below a millisecond, so it does not disturb the
 * load it watches.
 */
export function sampleRss(processes, intervalMs) {
  const stats = Object.fromEntries(
    processes.map(({ name }) => [name, { first: NaN, peak: NaN, last: NaN, samples: 0 }]),
  );
  const sample = () => {
    for (const { name, pid } of processes) {
      const rss = rssOf(pid);
      if (Number.isNaN(rss)) continue;
      const stat = stats[name];
      if (!stat.samples) stat.first = rss;
      stat.peak = Number.isNaN(stat.peak) ? rss : Math.max(stat.peak, rss);
      stat.last = rss;
      stat.samples++;
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return stats;
    },
  };
}

/** Bytes as MB (10⁶), one decimal; '-' when unknown. */
export const megabytes = (bytes) => (Number.isFinite(bytes) ? (bytes / 1e6).toFixed(1) : '-');
