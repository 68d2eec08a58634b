import { argError } from '../check/index.js';
import type { WarmupOptions } from './types.js';

/**
 * Refuses the shared warmup options for a schedule whose own first phase is the warmup (onecycle, triangular): a
 * warmup in front of it would be a second ramp the schedule's definition does not have.
 */
export function refuseWarmup(fn: string, opts: WarmupOptions, ownPhase: string): void {
  if ((opts.warmupSteps ?? 0) !== 0)
    throw argError(fn, 'warmupSteps', `0: the schedule warms up by itself (${ownPhase})`, opts.warmupSteps);
}
