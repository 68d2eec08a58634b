// Worker thread of the data loader: augments and normalises the batches the main thread asks for.
import { parentPort, workerData } from 'node:worker_threads';
import { buildTransform, produceBatch, type TransformSpec } from './transforms.js';
import { streamBatch } from './streamingFolder.js';
import { importTransformRow } from './transform_registry.js';

interface Init {
  /** In memory: every image; streaming: `files` instead, decoded per batch. */
  images?: SharedArrayBuffer;
  files?: string[];
  limitInputPixels?: number;
  resizeOnDecode?: boolean;
  height: number;
  width: number;
  channels: 1 | 3;
  specs: TransformSpec[];
  /** ES modules whose default exports are the user rows `specs` names (data/transform_registry.ts). */
  modules: string[];
  mean: number[];
  std: number[];
  seed: number;
}
interface Request {
  id: number;
  epoch: number;
  indices: Int32Array;
}

const init = workerData as Init;
const images = init.images ? new Uint8Array(init.images) : undefined;
const files = init.files;
// a user's transforms are registered on the main thread only: import the modules that export their rows first
const transform = (async () => {
  for (const m of init.modules) await importTransformRow(m);
  return init.specs.length ? buildTransform(init.specs) : undefined;
})();
transform.catch(() => undefined); // reported with the first request
const produce = async (req: Request) => {
  const t = await transform;
  if (images) return produceBatch(images, init, req.indices, req.epoch, init.seed, t, init.mean, init.std);
  const ds = { ...init, files: files!, limitInputPixels: init.limitInputPixels!, resizeOnDecode: init.resizeOnDecode! };
  return streamBatch(ds, req.indices, req.epoch, init.seed, t, init.mean, init.std);
};
// One request at a time, in arrival order: a streaming worker fills one batch at a time, one decoded image at a time.
let queue: Promise<void> = Promise.resolve();
parentPort!.on('message', (req: Request) => {
  queue = queue.then(async () => {
    try {
      const out = await produce(req);
      parentPort!.postMessage({ id: req.id, ...out }, [out.x.buffer as ArrayBuffer]);
    } catch (e) {
      parentPort!.postMessage({ id: req.id, error: (e as Error).message });
    }
  });
});
