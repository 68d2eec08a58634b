// Quick single-process timer of trickbox's ResNet-20 training step on 'onednn' (batch 128): median step time, a
// per-kernel profile of one step, and buffer-pool reuse. For side-by-side numbers against PyTorch use bench/backend.ts.
//   node --import tsx bench/resnet_step.ts [--shape 28x28x1] [--steps 8] [--tricks] [--js-only] [--window 25]
// --tricks: each step also mixes the batch (mixup, α 0.2) and uses label smoothing 0.1 in trickbox's cross-entropy;
// without it the step uses trickbox's cross-entropy on class indices. Compare the two to see what mixing costs.
// --js-only: after the 3 untimed steps, every native function of the addon returns at once without computing, so a
// step measures what runs in JavaScript only (tfjs engine, tape, layers, kernels' JS, GC); the outputs are garbage.
// The medians of each window of --window steps show how that time falls while V8 optimises the code.
// --infer: time inference batches of models.fastInference(model) (BN folded, fused conv + bias (+ residual) + ReLU)
// instead of training steps; the model is the freshly initialised one after the 3 untimed training steps.
// --native-profile: time every call into the native addon during the timed steps and print, per addon function, calls
// and milliseconds per step (batch-norm calls split by their [rows, channels]); the rest of a step is JavaScript.
// Also printed: the median CPU time per step of the process (all threads, user + system), the figure to compare on a
// loaded machine (with GOMP_SPINCOUNT=0 so that OpenMP's spinning does not count).
// Environment: TFJS_ONEDNN_THREADS, GOMP_SPINCOUNT (see docs/backend.md).
import * as tf from '@tensorflow/tfjs';
import 'tfjs-backend-onednn';
import { loadNative } from '../packages/tfjs-backend-onednn/src/native.js';
import { fastInference, resnet } from '../packages/trickbox/src/models/index.js';
import * as optim from '../packages/trickbox/src/optim/index.js';
import * as losses from '../packages/trickbox/src/losses/index.js';
import * as mix from '../packages/trickbox/src/mix/index.js';
import { Rng } from '../packages/trickbox/src/rng/index.js';
import { parseArgs } from 'node:util';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    shape: { type: 'string', default: '28x28x1' },
    steps: { type: 'string', default: '8' },
    tricks: { type: 'boolean', default: false },
    'js-only': { type: 'boolean', default: false },
    'native-profile': { type: 'boolean', default: false },
    infer: { type: 'boolean', default: false },
    window: { type: 'string', default: '25' },
  },
});
// This benchmark measures 'onednn': without a usable addon it stops here, saying why (the package alone would warn and
// leave 'cpu' the backend).
loadNative();
await tf.setBackend('onednn');
const [h, w, c] = values.shape!.split('x').map(Number);
const steps = Number(values.steps);
const batch = 128;
const model = resnet({ depth: 20, inputShape: [h, w, c], numClasses: 10 });
const opt = optim.sgd({ lr: 0.1, momentum: 0.9, weightDecay: 5e-4 });
const x = tf.randomNormal([batch, h, w, c]);
const labels = tf.randomUniform([batch], 0, 10, 'int32');
const oneHot = tf.oneHot(labels, 10).toFloat();
const rng = new Rng(0);
/** One inference batch, read back as a training step's loss is. */
function inferenceBatch(m: tf.LayersModel): () => void {
  return () => {
    const out = m.predict(x, { batchSize: batch }) as tf.Tensor;
    out.dataSync();
    out.dispose();
  };
}
const step = values.tricks
  ? () =>
      opt.minimize(() => {
        const mixed = mix.mixup(x, oneHot, { alpha: 0.2, rng });
        return losses.crossEntropy(mixed.y, model.apply(mixed.x, { training: true }) as tf.Tensor, {
          labelSmoothing: 0.1,
        });
      }, false)
  : () => opt.minimize(() => losses.crossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor), false);

for (let i = 0; i < 3; i++) step();
const timedStep = values.infer ? inferenceBatch(fastInference(model)) : step;
const nativeCalls = new Map<string, { n: number; ms: number }>();
if (values['js-only'] || values['native-profile']) {
  const addon = loadNative() as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of Object.keys(addon)) {
    const fn = addon[name];
    if (typeof fn !== 'function') continue;
    if (values['js-only']) {
      addon[name] = () => undefined;
      continue;
    }
    addon[name] = (...args: unknown[]) => {
      const t0 = performance.now();
      const out = fn(...args);
      const rowsAt = { bnTrainForward: 7, bnTrainBackward: 10 }[name as 'bnTrainForward'];
      const key = rowsAt === undefined ? name : `${name} [${args[rowsAt]}, ${args[rowsAt + 1]}]`;
      const entry = nativeCalls.get(key) ?? { n: 0, ms: 0 };
      entry.n++;
      entry.ms += performance.now() - t0;
      nativeCalls.set(key, entry);
      return out;
    };
  }
}
const times: number[] = [];
// CPU time of the whole process (every thread, user + system) per step: on a machine other jobs keep busy, wall time
// measures the share of the cores this process got, CPU time the work it did (plus OpenMP spinning, which
// GOMP_SPINCOUNT=0 removes).
const cpuTimes: number[] = [];
for (let i = 0; i < 3 && values.infer; i++) timedStep();
for (let i = 0; i < steps; i++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  timedStep();
  times.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  cpuTimes.push((c.user + c.system) / 1000);
}
const windowSize = Number(values.window);
const windowMedians: string[] = [];
for (let i = 0; i + windowSize <= times.length; i += windowSize) {
  windowMedians.push(median(times.slice(i, i + windowSize)).toFixed(1));
}
const stepMedian = median(times);
console.log(
  `ResNet-20 [${h},${w},${c}] batch ${batch}: ${values.infer ? 'fastInference batch' : 'training step'} median ${stepMedian.toFixed(1)} ms (${((batch / stepMedian) * 1000).toFixed(0)} img/s), ` +
    `best ${Math.min(...times).toFixed(1)} ms, CPU ${median(cpuTimes).toFixed(1)} ms per step (median, all threads), tensors ${tf.memory().numTensors}, GOMP_SPINCOUNT=${process.env.GOMP_SPINCOUNT}, tricks ${values.tricks}` +
    (values['js-only'] ? ', JS only (native calls skipped)' : ''),
);
if (windowMedians.length > 1)
  console.log(`medians of each ${windowSize} steps, in order: ${windowMedians.join(' ')} ms`);
if (values['native-profile']) {
  let total = 0;
  const lines = [...nativeCalls.entries()].sort((a, b) => b[1].ms - a[1].ms);
  for (const [, e] of lines) total += e.ms;
  const mean = times.reduce((a, b) => a + b, 0) / steps;
  console.log(`native calls: ${(total / steps).toFixed(1)} ms per step of a mean step of ${mean.toFixed(1)} ms`);
  for (const [name, e] of lines)
    console.log(
      `  ${name.padEnd(34)} ${(e.n / steps).toFixed(0).padStart(4)} calls ${(e.ms / steps).toFixed(2).padStart(7)} ms`,
    );
  process.exit(0);
}
if (values['js-only'] || values.infer) process.exit(0);

// One profiled step: every runKernel call (nested ones too) timed.
const calls = new Map<string, { n: number; ms: number }>();
const engine = tf.engine() as unknown as { runKernel: (...args: unknown[]) => unknown };
const runKernel = engine.runKernel.bind(engine);
engine.runKernel = (...args: unknown[]) => {
  const t0 = performance.now();
  const out = runKernel(...args);
  const e = calls.get(args[0] as string) ?? { n: 0, ms: 0 };
  e.n++;
  e.ms += performance.now() - t0;
  calls.set(args[0] as string, e);
  return out;
};
const pool = (tf.backend() as unknown as { pool: { stats(): { hits: number; misses: number } } }).pool;
const before = pool.stats();
const t0 = performance.now();
step();
const total = performance.now() - t0;
const after = pool.stats();
engine.runKernel = runKernel;
const rows = [...calls.entries()].sort((a, b) => b[1].ms - a[1].ms);
const n = rows.reduce((s, [, e]) => s + e.n, 0);
console.log(
  `profiled step ${total.toFixed(1)} ms, ${n} kernel calls; pool: ${after.hits - before.hits} reused, ${after.misses - before.misses} new buffers`,
);
for (const [name, e] of rows.slice(0, 15))
  console.log(`  ${name.padEnd(28)} ${String(e.n).padStart(4)} ${e.ms.toFixed(1).padStart(8)} ms`);
