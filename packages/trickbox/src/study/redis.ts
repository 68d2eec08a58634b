// The Redis URL of a queue: checked for form (a usage error) and reachability (one line naming the URL).
import { Redis } from 'ioredis';
import { RecipeError } from '../train/recipe.js';

export class QueueUnreachableError extends Error {}

export function checkQueueUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RecipeError(`--queue ${url}: not a URL; expected redis://HOST:PORT`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new RecipeError(`--queue ${url}: expected a redis://HOST:PORT URL, got protocol '${u.protocol}'`);
  return url;
}

/** Connects once, without ioredis's endless retries, so a wrong address fails in seconds. */
export async function assertReachable(url: string, timeoutMs = 3000): Promise<void> {
  checkQueueUrl(url);
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // the socket's error (ECONNREFUSED, ENOTFOUND) says more than the rejected connect ("Connection is closed.")
  let cause: Error | undefined;
  client.on('error', (e: Error) => void (cause ??= e));
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    const why = (cause ?? (e as Error)).message.split('\n')[0];
    throw new QueueUnreachableError(`cannot reach Redis at ${url} (${why})`);
  } finally {
    client.disconnect();
  }
}
