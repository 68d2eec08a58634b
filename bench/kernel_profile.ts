// Kernel profile of a plain tfjs-layers ResNet-20 (conv-BN-ReLU blocks, standard tf.layers.batchNormalization)
// training on 'onednn': wraps every kernel of the backend with a timer and lists kernels by total time per step.
// Usage: node --import tsx bench/kernel_profile.ts [--batch 32] [--steps 4] [--input 32x32x3] [--top 40]
//        [--without Multiply,Sum,... | --without elementwise]  (run those kernels with the cpu backend's code instead,
//        e.g. to measure the step before/after the native elementwise, reduction, layout, pooling and matmul kernels)
import * as tf from '@tensorflow/tfjs';
import {
  getKernel,
  getKernelsForBackend,
  registerKernel,
  unregisterKernel,
  type KernelConfig,
} from '@tensorflow/tfjs-core';
// Imported from source so the profile runs without a build of the package.
import '../packages/tfjs-backend-onednn/src/index.js';
import type { OneDnnBackend } from '../packages/tfjs-backend-onednn/src/backend.js';
import { PerformanceObserver } from 'node:perf_hooks';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const batch = Number(arg('batch', '32'));
const steps = Number(arg('steps', '4'));
const top = Number(arg('top', '40'));
const [h, w, c] = arg('input', '32x32x3').split('x').map(Number);

interface Stat {
  calls: number;
  ms: number;
}
const stats = new Map<string, Stat>();
let timing = false;

// The native kernels of the elementwise, reduction, layout, pooling and matmul families (`--without elementwise`).
const FAMILIES = (
  'Add,Sub,Multiply,RealDiv,Maximum,Minimum,SquaredDifference,Relu,Exp,Log,Neg,Square,Sqrt,Rsqrt,Abs,Sigmoid,Tanh,' +
  'Reciprocal,Step,Relu6,Floor,Ceil,Round,Sign,Elu,LeakyRelu,AddN,Cast,FusedBatchNorm,' +
  'Sum,Mean,Max,Min,ArgMax,ArgMin,Softmax,Tile,Transpose,PadV2,Slice,Concat,' +
  'BatchMatMul,_FusedMatMul,MaxPool,AvgPool,MaxPoolGrad,AvgPoolGrad'
).split(',');
const withoutArg = arg('without', '');
const without = new Set(withoutArg === 'elementwise' ? FAMILIES : withoutArg.split(',').filter(Boolean));
for (const name of without) {
  const cpu = getKernel(name, 'cpu');
  if (!cpu) throw new Error(`--without: no cpu kernel '${name}'`);
  unregisterKernel(name, 'onednn');
  registerKernel({ ...cpu, backendName: 'onednn' });
}

// Re-register every kernel of 'onednn' with a wall-clock timer around it.
for (const k of getKernelsForBackend('onednn')) {
  const inner = k.kernelFunc;
  const wrapped: KernelConfig = {
    ...k,
    kernelFunc: ((args: Parameters<typeof inner>[0]) => {
      if (!timing) return inner(args);
      const t0 = performance.now();
      const out = inner(args);
      const dt = performance.now() - t0;
      const s = stats.get(k.kernelName) ?? { calls: 0, ms: 0 };
      s.calls++;
      s.ms += dt;
      stats.set(k.kernelName, s);
      return out;
    }) as KernelConfig['kernelFunc'],
  };
  unregisterKernel(k.kernelName, 'onednn');
  registerKernel(wrapped);
}

// ResNet-20 (He et al. 2016, §4.2: 3 stages of n=3 basic blocks, 16/32/64 filters), projection shortcut on downsampling.
function resnet20(): tf.LayersModel {
  const input = tf.input({ shape: [h, w, c] });
  const convBn = (x: tf.SymbolicTensor, filters: number, stride: number, k = 3) => {
    const y = tf.layers
      .conv2d({
        filters,
        kernelSize: k,
        strides: stride,
        padding: 'same',
        useBias: false,
        kernelInitializer: 'heNormal',
      })
      .apply(x) as tf.SymbolicTensor;
    return tf.layers.batchNormalization().apply(y) as tf.SymbolicTensor;
  };
  let x = tf.layers.reLU().apply(convBn(input, 16, 1)) as tf.SymbolicTensor;
  for (const [stage, filters] of [16, 32, 64].entries()) {
    for (let b = 0; b < 3; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      let y = tf.layers.reLU().apply(convBn(x, filters, stride)) as tf.SymbolicTensor;
      y = convBn(y, filters, 1);
      const shortcut = stride !== 1 ? convBn(x, filters, stride, 1) : x;
      x = tf.layers.reLU().apply(tf.layers.add().apply([y, shortcut]) as tf.SymbolicTensor) as tf.SymbolicTensor;
    }
  }
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 10, activation: 'softmax' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

async function main() {
  await tf.setBackend('onednn');
  const model = resnet20();
  model.compile({ optimizer: tf.train.momentum(0.05, 0.9), loss: 'categoricalCrossentropy' });
  const xs = tf.randomNormal([batch, h, w, c]);
  const ys = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32') as tf.Tensor1D, 10);
  const times: number[] = [];
  await model.trainOnBatch(xs, ys); // warm-up (primitive creation, pool fill)
  await model.trainOnBatch(xs, ys);
  // GC pauses during the timed steps (entries arrive asynchronously, so filter them by start time afterwards).
  const gcEntries: Array<{ start: number; duration: number }> = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcEntries.push({ start: e.startTime, duration: e.duration });
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const pool = (tf.backend() as OneDnnBackend).pool;
  const [hits0, misses0] = [pool.hits, pool.misses];
  const timedStart = performance.now();
  for (let s = 0; s < steps; s++) {
    timing = true;
    const t0 = performance.now();
    await model.trainOnBatch(xs, ys);
    times.push(performance.now() - t0);
    timing = false;
  }
  const timedEnd = performance.now();
  await new Promise((r) => setTimeout(r, 50)); // let the GC observer deliver
  gcObserver.disconnect();
  const gcMs = gcEntries
    .filter((e) => e.start >= timedStart && e.start <= timedEnd)
    .reduce((acc, e) => acc + e.duration, 0);
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  let total = 0;
  let calls = 0;
  for (const s of stats.values()) {
    total += s.ms;
    calls += s.calls;
  }
  console.log(
    `plain tfjs-layers ResNet-20, input ${h}x${w}x${c}, batch ${batch}` +
      (without.size ? ` (${without.size} kernels on cpu code)` : '') +
      `: median step ${median.toFixed(1)} ms ` +
      `(${((batch * 1000) / median).toFixed(1)} img/s) over ${steps} steps; ${(calls / steps).toFixed(0)} kernel calls/step, ` +
      `${(total / steps).toFixed(1)} ms/step inside kernels; GC ${(gcMs / steps).toFixed(1)} ms/step; ` +
      `output pool ${((pool.hits - hits0) / steps).toFixed(0)} hits, ${((pool.misses - misses0) / steps).toFixed(0)} misses per step`,
  );
  const rows = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, top);
  console.log('kernel'.padEnd(28) + 'calls/step'.padStart(11) + 'ms/step'.padStart(10) + '   share');
  for (const [name, s] of rows) {
    console.log(
      name.padEnd(28) +
        (s.calls / steps).toFixed(0).padStart(11) +
        (s.ms / steps).toFixed(2).padStart(10) +
        `${((100 * s.ms) / total).toFixed(1).padStart(7)}%`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
