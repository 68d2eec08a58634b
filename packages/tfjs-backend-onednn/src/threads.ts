import { availableParallelism } from 'node:os';

/** Environment variable that sets the number of threads of the native kernels (default: all available cores). */
export const THREADS_ENV = 'TFJS_ONEDNN_THREADS';

export function configuredThreads(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[THREADS_ENV];
  if (raw === undefined || raw === '') return availableParallelism();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`tfjs-backend-onednn: ${THREADS_ENV} must be a positive integer, got '${raw}'`);
  }
  return n;
}
