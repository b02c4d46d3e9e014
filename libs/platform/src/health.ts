import Redis from 'ioredis';
import { redisOptions } from './config';

export type HealthStatus = 'up' | 'down';

/** A dependency that does not answer within this time counts as down. */
export const PROBE_TIMEOUT_MS = 2500;

/**
 * Runs `check` with a deadline: `up` when it resolves in time, `down` when it throws or is late.
 * `onDown` hears why (for a log line).
 */
export async function probe(
  check: () => Promise<unknown>,
  onDown?: (reason: string) => void,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<HealthStatus> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([check(), deadline]);
    return 'up';
  } catch (error) {
    onDown?.(String(error));
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A Redis connection kept only for health pings: it connects lazily, fails a ping at once while
 * Redis is away (instead of queueing it), and never raises connection errors as events.
 */
export class RedisPinger {
  private readonly redis: Redis;

  constructor(redisUrl: string) {
    this.redis = new Redis({
      ...redisOptions(redisUrl),
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
    });
    this.redis.on('error', () => undefined);
  }

  async ping(): Promise<void> {
    if (this.redis.status === 'wait' || this.redis.status === 'end') await this.redis.connect();
    await this.redis.ping();
  }

  close(): void {
    this.redis.disconnect();
  }
}
