// Batched, shuffled, augmented data for training: augmentation runs in worker_threads with prefetching. Every
// sample's Rng is derived from (seed, epoch, index), so the batches are the same whatever the worker count.
import { Worker } from 'node:worker_threads';
import type { Dataset } from './dataset.js';
import { dataArgError } from './dataset.js';
import {
  buildTransform,
  epochOrder,
  produceBatch,
  workerModules,
  type SampleTransform,
  type TransformSpec,
} from './transforms.js';
import { isFileDataset, streamBatch, streamingPrefetch, type FileDataset } from './streamingFolder.js';
import { Rng } from '../rng/index.js';

export interface LoaderOptions {
  batchSize: number;
  /** Mean and std per channel on the [0, 1] scale (see `channelStats`). */
  mean: number[];
  std: number[];
  seed?: number;
  /** Reshuffle every epoch (default true). */
  shuffle?: boolean;
  transforms?: TransformSpec[];
  /** Worker threads; 0 runs augmentation on the calling thread. Default 0. */
  workers?: number;
  /** Batches requested ahead of the one being consumed (default 2 per worker). */
  prefetch?: number;
  /** Drop a last incomplete batch (default false: it is yielded, smaller). */
  dropLast?: boolean;
}

/** One batch: `x` is [B, H, W, C] normalised float32 (row-major), `y` the int32 labels. */
export interface Batch {
  x: Float32Array;
  y: Int32Array;
  shape: [number, number, number, number];
  /** Position of this batch in its epoch. */
  index: number;
}

interface Pending {
  resolve: (v: { x: Float32Array; height: number; width: number }) => void;
  reject: (e: Error) => void;
}

/**
 * Starts the worker file next to this module. Compiled, that is worker.js. Under tsx (this module is loader.ts)
 * Node 20 does not apply tsx's `--import` hooks to a worker's entry file, so a one-line bootstrap registers
 * tsx in the worker and then imports worker.ts.
 */
function startWorker(workerData: unknown, streaming: boolean): Worker {
  const execArgv = process.execArgv;
  // A streaming worker's garbage is mostly sharp's decoded buffers: a small young generation collects it sooner
  // (4 MiB: 40 MiB less RSS with 2 workers, docs/image-folders.md, "Memory").
  const resourceLimits = streaming ? { maxYoungGenerationSizeMb: 4 } : undefined;
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./worker.js', import.meta.url), { workerData, execArgv, resourceLimits });
  const api = import.meta.resolve('tsx/esm/api');
  const target = new URL('./worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); })`;
  return new Worker(code, { eval: true, workerData, execArgv, resourceLimits });
}

export class DataLoader {
  readonly batchSize: number;
  readonly numSamples: number;
  /** Milliseconds the consumer spent waiting for batches since the last `resetWait()`. */
  waitMs = 0;
  private readonly opts: Required<Omit<LoaderOptions, 'transforms'>> & { transforms: TransformSpec[] };
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private localTransform: SampleTransform | undefined;
  private readonly workerModules: string[];
  private nextId = 0;
  private failure: Error | undefined;

  constructor(
    private readonly ds: Dataset | FileDataset,
    options: LoaderOptions,
  ) {
    const { batchSize, mean, std } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw dataArgError('DataLoader', 'batchSize', 'an integer >= 1', batchSize);
    for (const [name, v] of [
      ['mean', mean],
      ['std', std],
    ] as const)
      if (!Array.isArray(v) || v.length !== ds.channels)
        throw dataArgError('DataLoader', name, `an array of ${ds.channels} numbers (one per channel)`, v);
    if (std.some((s) => !(s > 0))) throw dataArgError('DataLoader', 'std', 'positive numbers', std);
    const workers = options.workers ?? 0;
    if (!Number.isInteger(workers) || workers < 0)
      throw dataArgError('DataLoader', 'workers', 'an integer >= 0', workers);
    this.batchSize = batchSize;
    this.numSamples = ds.labels.length;
    this.opts = {
      batchSize,
      mean,
      std,
      seed: options.seed ?? 0,
      shuffle: options.shuffle ?? true,
      transforms: options.transforms ?? [],
      workers,
      prefetch: options.prefetch ?? Math.max(2, 2 * workers),
      dropLast: options.dropLast ?? false,
    };
    // Validate the transform specs on this thread, so a bad recipe fails here with a clear message.
    this.localTransform = this.opts.transforms.length ? buildTransform(this.opts.transforms) : undefined;
    this.workerModules = workers > 0 ? workerModules(this.opts.transforms) : [];
    if (isFileDataset(ds) && options.prefetch === undefined) {
      // Streaming: a prefetch depth within the dataset's memory budget, from the augmented size of one image.
      const { height, width, channels } = ds;
      const blank = { data: new Uint8Array(height * width * channels), height, width, channels };
      const out = this.localTransform ? this.localTransform(blank, new Rng(0)) : blank;
      const o = { batchSize, workers, outHeight: out.height, outWidth: out.width };
      this.opts.prefetch = streamingPrefetch(ds, o);
    }
    // Workers start with the first epoch, so a loader that is never iterated holds no threads.
  }

  /** Batches requested ahead of the one being consumed. */
  get prefetchDepth(): number {
    return this.opts.prefetch;
  }

  get batchesPerEpoch(): number {
    return this.opts.dropLast
      ? Math.floor(this.numSamples / this.batchSize)
      : Math.ceil(this.numSamples / this.batchSize);
  }

  resetWait(): void {
    this.waitMs = 0;
  }

  private startWorkers(): void {
    const { height, width, channels } = this.ds;
    const { transforms: specs, mean, std, seed } = this.opts;
    // In memory: one shared copy of the pixels for all workers; streaming: the file list (each worker decodes).
    let source: { images: SharedArrayBuffer } | { files: string[]; limitInputPixels: number; resizeOnDecode: boolean };
    if (isFileDataset(this.ds)) {
      const { files, limitInputPixels, resizeOnDecode } = this.ds;
      source = { files, limitInputPixels, resizeOnDecode };
    } else {
      const shared = new SharedArrayBuffer(this.ds.images.length);
      new Uint8Array(shared).set(this.ds.images);
      source = { images: shared };
    }
    for (let w = 0; w < this.opts.workers; w++) {
      const modules = this.workerModules;
      const data = { ...source, height, width, channels, specs, modules, mean, std, seed };
      const worker = startWorker(data, isFileDataset(this.ds));
      worker.on('message', (m: { id: number; error?: string; x: Float32Array; height: number; width: number }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.error) p.reject(new Error(m.error));
        else p.resolve(m);
      });
      const fail = (e: Error): void => {
        this.failure = new Error(`data loader worker failed: ${e.message}`);
        for (const p of this.pending.values()) p.reject(this.failure);
        this.pending.clear();
      };
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (code !== 0 && !this.closing) fail(new Error(`exited with code ${code}`));
      });
      this.workers.push(worker);
    }
  }

  private closing = false;

  private request(epoch: number, indices: Int32Array): Promise<{ x: Float32Array; height: number; width: number }> {
    if (this.opts.workers > 0 && this.workers.length === 0 && !this.closing) this.startWorkers();
    if (this.workers.length === 0) {
      const { height, width, channels } = this.ds;
      const { seed, mean, std } = this.opts;
      const ds = this.ds;
      if (isFileDataset(ds)) return streamBatch(ds, indices, epoch, seed, this.localTransform, mean, std);
      try {
        const out = produceBatch(
          ds.images,
          { height, width, channels },
          indices,
          epoch,
          this.opts.seed,
          this.localTransform,
          this.opts.mean,
          this.opts.std,
        );
        return Promise.resolve(out);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const worker = this.workers[id % this.workers.length];
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, epoch, indices });
    });
  }

  /** The batches of `epoch` (0-based), starting at batch `start` (to resume in the middle of an epoch). */
  async *epoch(epoch: number, start = 0): AsyncGenerator<Batch> {
    const order = epochOrder(this.numSamples, this.opts.seed, epoch, this.opts.shuffle);
    const nb = this.batchesPerEpoch;
    const bs = this.batchSize;
    const slice = (k: number): Int32Array => order.slice(k * bs, Math.min((k + 1) * bs, this.numSamples));
    const inflight: Promise<{ x: Float32Array; height: number; width: number }>[] = [];
    let asked = start;
    const depth = this.opts.workers === 0 ? 1 : this.opts.prefetch;
    try {
      for (let k = start; k < nb; k++) {
        while (asked < nb && asked - k < depth) inflight.push(this.request(epoch, slice(asked++)));
        const t0 = performance.now();
        const out = await inflight.shift()!;
        this.waitMs += performance.now() - t0;
        const idx = slice(k);
        const y = new Int32Array(idx.length);
        for (let i = 0; i < idx.length; i++) y[i] = this.ds.labels[idx[i]];
        yield { x: out.x, y, shape: [idx.length, out.height, out.width, this.ds.channels], index: k };
      }
    } finally {
      // An abandoned epoch: let outstanding requests settle quietly.
      for (const p of inflight) p.catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
