// The demo's in-browser training run (packages/trickbox/src/browser/train_loop.ts) in Node, on the same
// Fashion-MNIST slice `trickbox demo` writes (4,000 training, 1,000 hold-out images, seed 0), for comparing a backend
// in Node with the page's figure in Chromium (the browser test prints that one).
// Usage: node --import tsx bench/in_tab_training.ts [--backend onednn|wasm|cpu] [--steps 150] [--batch 32]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import 'tfjs-backend-onednn';
import {
  decodeSlice,
  encodeSlice,
  registerWasmConv2DBackpropFilter,
  trainInTab,
} from '../packages/trickbox/src/browser/index.js';
import { channelStats, fashionMnist, subset } from '../packages/trickbox/src/data/index.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'onednn' },
    steps: { type: 'string', default: '150' },
    batch: { type: 'string', default: '32' },
  },
});
registerWasmConv2DBackpropFilter();
if (!(await tf.setBackend(values.backend!))) throw new Error(`backend ${values.backend} did not start`);
const sets = fashionMnist();
const train = subset(sets.train, 4000, 0);
const holdOut = subset(sets.test, 1000, 1);
const split = (d: typeof train) => ({ images: d.images, labels: Uint8Array.from(d.labels) });
const { manifest, bytes } = encodeSlice(
  { ...train, ...channelStats(train), train: split(train), holdOut: split(holdOut) },
  'bench/in_tab_training.ts',
);
const slice = decodeSlice('in memory', manifest, bytes);
const r = await trainInTab(slice, { steps: Number(values.steps), batchSize: Number(values.batch) });
console.log(
  `${r.steps} steps of ${values.batch} on ${r.backend}: hold-out accuracy ${(100 * r.accuracy).toFixed(1)} %, ` +
    `${r.imagesPerSecond.toFixed(0)} img/s (${r.trainSeconds.toFixed(1)} s of training)`,
);
