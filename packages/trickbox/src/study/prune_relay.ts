// Prune requests from the study to the worker that runs a trial, on BullMQ's Relay (its publish/subscribe over the
// queue's Redis): the study publishes a retained message on the job's topic; the worker running the job subscribes
// to that topic while the job is active and cancels it (the processor's AbortSignal). Retained, so a worker that
// takes the job later (after a crash) still gets the request on subscribing.
import { Relay } from 'bullmq';
import type { PruneRecord } from './prune.js';

/** Long enough for any trial; the study deletes it once the job has ended. */
export const PRUNE_RETAIN_MS = 7 * 24 * 3600 * 1000;

export const pruneTopic = (jobId: string): string => `trickbox.trials.${jobId}.prune`;

export const openRelay = (url: string): Relay => new Relay({ connection: { url }, namespace: 'trickbox' });

/** The cancellation reason a worker gives the processor: the prune record, as JSON. */
export const cancelReason = (r: PruneRecord): string => JSON.stringify(r);

/** The prune record of a cancellation reason, or undefined when the job was cancelled for another reason. */
export function prunedBy(reason: unknown): PruneRecord | undefined {
  try {
    const r = JSON.parse(String(reason));
    return typeof r?.epoch === 'number' && typeof r?.median === 'number' ? (r as PruneRecord) : undefined;
  } catch {
    return undefined;
  }
}
