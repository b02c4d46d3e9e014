import { ClientProxyFactory, type ClientProxy, Transport } from '@nestjs/microservices';
import { redisOptions } from './config';

/**
 * A request/reply client for the centres' message patterns over Redis (@nestjs/microservices), as
 * the gateway and the imaging archive (handing ECG objects to the ECG centre) use it. It keeps
 * reconnecting after Redis restarts (a dropped client never listens for replies again); while
 * disconnected, requests fail fast instead of waiting for Redis. Callers put a deadline on each
 * request.
 */
export function createMessageClient(redisUrl: string): ClientProxy {
  const { host, port, password, username, db } = redisOptions(redisUrl);
  return ClientProxyFactory.create({
    transport: Transport.REDIS,
    options: {
      host,
      port,
      password,
      username,
      db,
      retryAttempts: Number.MAX_SAFE_INTEGER,
      retryDelay: 1000,
      maxRetriesPerRequest: 1,
    },
  });
}
