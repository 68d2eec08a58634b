// Worker thread of the data loader: augments and normalises the batches the main thread asks for.
import { parentPort, workerData } from 'node:worker_threads';
import { buildTransform, produceBatch, type TransformSpec } from './transforms.js';

interface Init {
  images: SharedArrayBuffer;
  height: number;
  width: number;
  channels: 1 | 3;
  specs: TransformSpec[];
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
const images = new Uint8Array(init.images);
const transform = init.specs.length ? buildTransform(init.specs) : undefined;
parentPort!.on('message', (req: Request) => {
  try {
    const out = produceBatch(images, init, req.indices, req.epoch, init.seed, transform, init.mean, init.std);
    parentPort!.postMessage({ id: req.id, ...out }, [out.x.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort!.postMessage({ id: req.id, error: (e as Error).message });
  }
});
