// Backend benchmark (docs/benchmarks.md): CIFAR-style ResNet-20 (He et al. 2016, arXiv:1512.03385 §4.2), batch 128,
// training and inference images/s on
//   (a) 'onednn' with trickbox's `models.resnet` (built on the backend's fused training ops),
//   (b) 'onednn' with a plain tfjs-layers ResNet-20 (Conv2D / BatchNormalization / ReLU / Add layers),
//   (c) 'wasm' (@tensorflow/tfjs-backend-wasm, a few steps),
//   (d) PyTorch with an identical model, NCHW and channels_last (bench/backend_torch.py),
// all in one run with the same thread count, medians of timed steps after warm-up. See docs/benchmarks.md.
//
// Usage: node --import tsx bench/backend.ts [--steps N] [--warmup N] [--shapes 1x28x28,3x32x32] [--profile]
//        [--skip-wasm] [--skip-torch] [--json out.json] [--batch 128] [--shortcut A|B] [--only trickbox,layers,wasm]
//        [--wasm-steps 2] [--budget 120] [--turn-warmup 1] [--no-avx2-pass]
// It also reports the CPU, the ISA oneDNN dispatches, the FMA peak per thread count (native/fma_peak.cc), each
// contender's fraction of it (FLOPs from bench/flops.ts), and where oneDNN dispatches AVX-512 runs itself again with
// ONEDNN_MAX_CPU_ISA=AVX2 (--no-avx2-pass skips that second pass).
//
// Each tfjs contender runs in its own child process (this script with `--child`), so tensor counts, RSS, the buffer
// pool and GC of one contender do not leak into another's numbers.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import type * as tfTypes from '@tensorflow/tfjs';
import { PYTHON, pythonCannotImport } from './python.js';
import { median } from './stats.js';
import { stepFlops, type StepFlops } from './flops.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
const THREADS_ENV = 'TFJS_ONEDNN_THREADS';

// ---------------------------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------------------------

type Contender = 'trickbox' | 'layers' | 'wasm';
const CONTENDERS: Contender[] = ['trickbox', 'layers', 'wasm'];
const LABEL: Record<Contender, string> = {
  trickbox: 'onednn trickbox models.resnet',
  layers: 'onednn plain tfjs-layers',
  wasm: 'wasm plain tfjs-layers',
};

interface Config {
  steps: number;
  warmup: number;
  /** Inputs as [channels, height, width]. */
  shapes: [number, number, number][];
  batch: number;
  depth: number;
  classes: number;
  /** Shortcut of the downsampling blocks: A = subsample + zero channels, B = 1x1 conv + BN (He et al. 2016 §3.3). */
  shortcut: 'A' | 'B';
  /** SGD (momentum) hyperparameters of the CIFAR ResNet paper (He et al. 2016 §4.2: lr 0.1, m 0.9, wd 1e-4); wd 5e-4 as in the issue. */
  lr: number;
  momentum: number;
  weightDecay: number;
  profile: boolean;
  /** Steps of the wasm contender (it is ~100x slower): at most this many timed steps, 1 warm-up. */
  wasmSteps: number;
  /** Seconds after which a slow contender stops its timed loop early (at least 2 timed steps are always run). */
  budget: number;
  /** Untimed steps at the start of each contender's turn (wasm: 0), so timed steps are back-to-back steps. */
  turnWarmup: number;
  threads: number;
}

function fail(message: string): never {
  throw new Error(`bench/backend: ${message}`);
}

function parseShape(s: string): [number, number, number] {
  const v = s.toLowerCase().split('x').map(Number);
  if (v.length !== 3 || v.some((n) => !Number.isInteger(n) || n < 1)) {
    fail(`--shapes entries must be CxHxW with positive integers (e.g. 3x32x32), got '${s}'`);
  }
  return v as [number, number, number];
}

function positiveInt(name: string, raw: string, min: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be an integer >= ${min}, got '${raw}'`);
  return n;
}

function threadCount(): number {
  // Same rule as tfjs-backend-onednn's configuredThreads() (src/threads.ts): env variable, default all cores.
  const raw = process.env[THREADS_ENV];
  if (raw === undefined || raw === '') return availableParallelism();
  return positiveInt(THREADS_ENV, raw, 1);
}

// ---------------------------------------------------------------------------------------------------------------
// Small statistics helpers
// ---------------------------------------------------------------------------------------------------------------

const fmt = (x: number | undefined | null, digits = 1): string =>
  x === undefined || x === null || !Number.isFinite(x) ? '—' : x.toFixed(digits);
const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`;

// ---------------------------------------------------------------------------------------------------------------
// Child process: one tfjs contender on one input shape
// ---------------------------------------------------------------------------------------------------------------

interface Job {
  contender: Contender;
  shape: [number, number, number];
  config: Config;
}

interface KernelStat {
  kernel: string;
  callsPerStep: number;
  msPerStep: number;
}

interface Profile {
  steps: number;
  stepMs: number;
  kernelCallsPerStep: number;
  kernelMsPerStep: number;
  outsideKernelsMsPerStep: number;
  gcMsPerStep: number;
  /** Part of gcMsPerStep whose pauses started inside a kernel call (allocation-triggered GC counts as kernel time). */
  gcInsideKernelsMsPerStep: number;
  kernels: KernelStat[];
  inferenceKernelCallsPerStep: number;
}

interface MemorySnapshot {
  numTensors: number;
  rss: number;
}

interface TfjsResult {
  contender: Contender;
  label: string;
  backend: string;
  shape: string;
  params?: number;
  threads?: number;
  /** oneDNN library version and the kernels that ran natively ('onednn' contenders). */
  onednnVersion?: string;
  /** The ISA oneDNN generates its kernels for in this process (`dnnl_get_effective_cpu_isa`). */
  isa?: string;
  /** FLOPs of one image's training and inference step, counted from the model's layers (bench/flops.ts). */
  flops?: Omit<StepFlops, 'layers'>;
  nativeKernels?: string[];
  model?: string;
  optimizer?: string;
  inference?: string;
  skipped?: string;
  trainError?: string;
  inferError?: string;
  trainMs?: number[];
  inferMs?: number[];
  trainMedianMs?: number;
  inferMedianMs?: number;
  trainImgPerSec?: number;
  inferImgPerSec?: number;
  gcMsPerTrainStep?: number;
  memory?: { beforeTrain: MemorySnapshot; afterTrain: MemorySnapshot; afterInfer: MemorySnapshot };
  profile?: Profile;
  notes: string[];
}

type Tf = typeof tfTypes;
type LayersModel = tfTypes.LayersModel;
type SymbolicTensor = tfTypes.SymbolicTensor;

/** Records V8 GC pauses (PerformanceObserver 'gc' entries) so the time of any window can be summed later. */
class GcRecorder {
  private readonly entries: { start: number; duration: number }[] = [];
  private readonly observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) this.entries.push({ start: e.startTime, duration: e.duration });
  });
  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
  }
  /** GC milliseconds that started within [t0, t1] (performance.now() clock); waits for pending entries first. */
  async between(t0: number, t1: number): Promise<number> {
    return (await this.pauses(t0, t1)).reduce((a, e) => a + e.duration, 0);
  }
  /** The GC pauses that started within [t0, t1]. */
  async pauses(t0: number, t1: number): Promise<{ start: number; duration: number }[]> {
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 5));
    return this.entries.filter((e) => e.start >= t0 && e.start <= t1);
  }
  stop(): void {
    this.observer.disconnect();
  }
}

/** Wraps every kernel of a backend with a timer (self time: nested kernel calls are subtracted from the caller). */
async function installKernelTimer(tf: Tf, backendName: string) {
  const core = await import('@tensorflow/tfjs-core');
  const stats = new Map<string, { calls: number; ms: number }>();
  let enabled = false;
  const childMs: number[] = [];
  /** [start, end] of every outermost kernel call while enabled (to tell GC inside kernels from GC outside). */
  const spans: [number, number][] = [];
  for (const k of core.getKernelsForBackend(backendName)) {
    const inner = k.kernelFunc;
    const kernelFunc = ((args: Parameters<typeof inner>[0]) => {
      if (!enabled) return inner(args);
      childMs.push(0);
      const t0 = performance.now();
      let out;
      try {
        out = inner(args);
      } finally {
        const dt = performance.now() - t0;
        const nested = childMs.pop() ?? 0;
        if (childMs.length > 0) childMs[childMs.length - 1] += dt;
        else spans.push([t0, t0 + dt]);
        const s = stats.get(k.kernelName) ?? { calls: 0, ms: 0 };
        s.calls++;
        s.ms += dt - nested;
        stats.set(k.kernelName, s);
      }
      return out;
    }) as typeof inner;
    core.unregisterKernel(k.kernelName, backendName);
    core.registerKernel({ ...k, kernelFunc });
  }
  void tf;
  return {
    start(): void {
      stats.clear();
      spans.length = 0;
      enabled = true;
    },
    /** True when time `t` falls inside an outermost kernel call recorded since start(). */
    insideKernel(t: number): boolean {
      let lo = 0;
      let hi = spans.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (spans[mid][1] < t) lo = mid + 1;
        else if (spans[mid][0] > t) hi = mid - 1;
        else return true;
      }
      return false;
    },
    stop(): Map<string, { calls: number; ms: number }> {
      enabled = false;
      return new Map(stats);
    },
  };
}

/** Option-A shortcut (He et al. 2016 §3.3): take every 2nd pixel, zero-pad the new channels equally on both sides. */
function makeShortcutA(tf: Tf) {
  class ShortcutA extends tf.layers.Layer {
    static className = 'BenchShortcutA';
    constructor(private readonly pad: number) {
      super({});
    }
    override computeOutputShape(s: tfTypes.Shape | tfTypes.Shape[]): tfTypes.Shape {
      const shape = s as tfTypes.Shape;
      const half = (n: number | null) => (n === null ? null : Math.ceil(n / 2));
      return [shape[0], half(shape[1]), half(shape[2]), (shape[3] as number) + 2 * this.pad];
    }
    override call(inputs: tfTypes.Tensor | tfTypes.Tensor[]): tfTypes.Tensor {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tfTypes.Tensor4D;
      return tf.tidy(() => {
        // x[:, ::2, ::2, :] as a 1x1 average pool of stride 2 (tfjs has no gradient for StridedSlice).
        const sub = tf.avgPool(x, 1, 2, 'valid');
        return tf.pad(sub, [
          [0, 0],
          [0, 0],
          [0, 0],
          [this.pad, this.pad],
        ]);
      });
    }
    override getConfig() {
      return { ...super.getConfig(), pad: this.pad };
    }
  }
  return ShortcutA;
}

/**
 * The plain tfjs-layers ResNet-20 a TensorFlow.js user would write (He et al. 2016 §4.2: conv 3x3/16, 3 stages of
 * n basic blocks with 16/32/64 filters, global average pooling, dense). Same architecture as backend_torch.py.
 */
function plainResnet(tf: Tf, cfg: Config, shape: [number, number, number]): LayersModel {
  const [c, h, w] = shape;
  const n = (cfg.depth - 2) / 6;
  if (!Number.isInteger(n) || n < 1) fail(`depth must be 6n+2, got ${cfg.depth}`);
  const ShortcutA = makeShortcutA(tf);
  const conv = (x: SymbolicTensor, filters: number, stride: number, k: number) =>
    tf.layers
      .conv2d({
        filters,
        kernelSize: k,
        strides: stride,
        padding: 'same',
        useBias: false,
        kernelInitializer: 'heNormal',
      })
      .apply(x) as SymbolicTensor;
  const bn = (x: SymbolicTensor) =>
    tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }).apply(x) as SymbolicTensor;
  const relu = (x: SymbolicTensor) => tf.layers.activation({ activation: 'relu' }).apply(x) as SymbolicTensor;
  const input = tf.input({ shape: [h, w, c] });
  let x = relu(bn(conv(input, 16, 1, 3)));
  let cin = 16;
  for (const [stage, cout] of [16, 32, 64].entries()) {
    for (let i = 0; i < n; i++) {
      const stride = stage > 0 && i === 0 ? 2 : 1;
      const y = bn(conv(relu(bn(conv(x, cout, stride, 3))), cout, 1, 3));
      let sc = x;
      if (stride !== 1 || cin !== cout) {
        sc =
          cfg.shortcut === 'B'
            ? bn(conv(x, cout, stride, 1))
            : (new ShortcutA((cout - cin) / 2).apply(x) as SymbolicTensor);
      }
      x = relu(tf.layers.add().apply([y, sc]) as SymbolicTensor);
      cin = cout;
    }
  }
  x = tf.layers.globalAveragePooling2d({}).apply(x) as SymbolicTensor;
  const logits = tf.layers.dense({ units: cfg.classes }).apply(x) as SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: `plain_resnet${cfg.depth}` });
}

function trainableParams(model: LayersModel): number {
  return model.trainableWeights.reduce((s, w) => s + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

type StepFn = () => number;

interface Built {
  model: LayersModel;
  modelDesc: string;
  train: StepFn;
  optimizerDesc: string;
  infer: () => number;
  inferenceDesc: string;
  /** Called once after training: switches `infer` to the inference form (e.g. BN folded); returns a check message. */
  prepareInference?: () => string | undefined;
  notes: string[];
}

/** Imports a trickbox area from source (no build needed); undefined with the reason when it is not usable. */
async function importTrickbox(area: string): Promise<{ mod?: Record<string, unknown>; error?: string }> {
  try {
    return { mod: (await import(`../packages/trickbox/src/${area}/index.js`)) as Record<string, unknown> };
  } catch (e) {
    return { error: `cannot import packages/trickbox/src/${area}: ${(e as Error).message.split('\n')[0]}` };
  }
}

async function build(
  tf: Tf,
  job: Job,
  x: tfTypes.Tensor4D,
  yOneHot: tfTypes.Tensor2D,
  yIdx: tfTypes.Tensor1D,
): Promise<Built | string> {
  const { config: cfg, shape } = job;
  const notes: string[] = [];
  const varsOf = (model: LayersModel) => model.trainableWeights.map((w) => w.read() as tfTypes.Variable);

  /** A generic step: loss, gradients of all trainable variables, coupled weight decay (torch's SGD), optimizer update. */
  const genericStep = (
    model: LayersModel,
    optimizer: tfTypes.Optimizer,
    lossFn: (logits: tfTypes.Tensor) => tfTypes.Scalar,
    optimizerHasWd: boolean,
  ): StepFn => {
    const vars = varsOf(model);
    return () => {
      const lossValue = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => lossFn(model.apply(x, { training: true }) as tfTypes.Tensor),
          vars,
        );
        if (!optimizerHasWd && cfg.weightDecay > 0) {
          // L2 weight decay coupled to the gradient as torch.optim.SGD does: g + wd * w (Krogh & Hertz 1991).
          for (const v of vars) grads[v.name] = tf.add(grads[v.name], tf.mul(v, cfg.weightDecay));
        }
        optimizer.applyGradients(grads);
        return value;
      });
      const l = lossValue.dataSync()[0];
      lossValue.dispose();
      return l;
    };
  };
  const predictFn = (model: LayersModel) => () => {
    const out = model.predict(x, { batchSize: cfg.batch }) as tfTypes.Tensor;
    const v = out.dataSync()[0];
    out.dispose();
    return v;
  };
  const softmaxCe = (logits: tfTypes.Tensor) => tf.losses.softmaxCrossEntropy(yOneHot, logits) as tfTypes.Scalar;

  if (job.contender === 'layers' || job.contender === 'wasm') {
    const model = plainResnet(tf, cfg, shape);
    const optimizer = tf.train.momentum(cfg.lr, cfg.momentum);
    return {
      model,
      modelDesc: `tfjs-layers Conv2D/BatchNormalization/Activation/Add, shortcut ${cfg.shortcut}`,
      train: genericStep(model, optimizer, softmaxCe, false),
      optimizerDesc: `tf.train.momentum(${cfg.lr}, ${cfg.momentum}) + coupled wd ${cfg.weightDecay} (tf.add/tf.mul per variable), tf.losses.softmaxCrossEntropy`,
      infer: predictFn(model),
      inferenceDesc: 'model.predict (eval-mode BN)',
      notes,
    };
  }

  // (a) trickbox models.resnet on the fused ops.
  const models = await importTrickbox('models');
  if (!models.mod) return models.error!;
  const resnet = models.mod.resnet as ((o: Record<string, unknown>) => LayersModel) | undefined;
  if (typeof resnet !== 'function') return 'packages/trickbox/src/models does not export resnet() yet';
  const [c, h, w] = shape;
  const model = resnet({ depth: cfg.depth, inputShape: [h, w, c], numClasses: cfg.classes });

  // Loss: trickbox's losses.crossEntropy (int labels) when present, else tf.losses.softmaxCrossEntropy.
  let lossFn = softmaxCe;
  let lossDesc = 'tf.losses.softmaxCrossEntropy';
  const losses = await importTrickbox('losses');
  const ce = losses.mod?.crossEntropy as ((l: tfTypes.Tensor, z: tfTypes.Tensor) => tfTypes.Scalar) | undefined;
  if (typeof ce === 'function') {
    lossFn = (logits) => ce(yIdx, logits);
    lossDesc = 'trickbox losses.crossEntropy';
  }

  // Optimizer: trickbox optim.sgd (in-place momentum-SGD kernel on onednn) when present, else tf.train.momentum.
  let optimizer: tfTypes.Optimizer = tf.train.momentum(cfg.lr, cfg.momentum);
  let optimizerDesc = `tf.train.momentum(${cfg.lr}, ${cfg.momentum}) + coupled wd ${cfg.weightDecay}`;
  let hasWd = false;
  const optim = await importTrickbox('optim');
  const sgd = optim.mod?.sgd as ((o: Record<string, unknown>) => tfTypes.Optimizer) | undefined;
  if (typeof sgd === 'function') {
    optimizer = sgd({ lr: cfg.lr, momentum: cfg.momentum, weightDecay: cfg.weightDecay });
    optimizerDesc = `trickbox optim.sgd({ lr: ${cfg.lr}, momentum: ${cfg.momentum}, weightDecay: ${cfg.weightDecay} })`;
    hasWd = true;
  } else {
    notes.push(`trickbox optim.sgd not available${optim.error ? ` (${optim.error})` : ''}: tf.train.momentum used`);
  }
  const train = genericStep(model, optimizer, lossFn, hasWd);

  // Inference: models.fastInference, built once training is over.
  const fastInference = models.mod.fastInference as (m: LayersModel) => LayersModel;
  const built: Built = {
    model,
    modelDesc: `trickbox models.resnet({ depth: ${cfg.depth}, inputShape: [${h}, ${w}, ${c}], numClasses: ${cfg.classes} })`,
    train,
    optimizerDesc: `${optimizerDesc}, ${lossDesc}`,
    infer: predictFn(model),
    inferenceDesc:
      'models.fastInference(model).predict (BN folded into conv, conv+bias(+residual)+ReLU fused; folded after training)',
    notes,
    prepareInference: () => {
      const folded = fastInference(model);
      // Check: the folded model computes what the trained model computes in eval mode.
      const diff = tf.tidy(() => {
        const a = model.predict(x, { batchSize: cfg.batch }) as tfTypes.Tensor;
        const b = folded.predict(x, { batchSize: cfg.batch }) as tfTypes.Tensor;
        return tf.div(tf.max(tf.abs(tf.sub(a, b))), tf.maximum(tf.max(tf.abs(a)), 1e-12)).dataSync()[0];
      });
      built.infer = predictFn(folded);
      return `folded model vs eval-mode model on the benchmark batch: max |Δlogit| / max |logit| = ${diff.toExponential(1)}`;
    },
  };
  return built;
}

/**
 * Loads tfjs-backend-onednn by its package name, as trickbox's models do, so that one copy of the backend and its
 * fused ops is registered. The parent runs children with TSX_TSCONFIG_PATH=bench/tsconfig.json, whose `paths` map the
 * package (and `tfjs-backend-onednn/ops`) to its TypeScript sources: the benchmark never measures a stale dist/.
 */
interface OneDnnModule {
  native: {
    getNumThreads(): number;
    onednnVersion?(): string;
    effectiveIsa(): string;
    fmaPeak(threads: number, variant?: string, repeats?: number): { variant: string; flops: number };
    fmaVariants(): string[];
  };
  nativeKernelNames?(): string[];
  addonStatus(): { loaded: true } | { loaded: false; reason: string };
}
async function importOneDnn(notes: string[]): Promise<OneDnnModule> {
  const where = import.meta.resolve('tfjs-backend-onednn');
  if (!where.endsWith('/src/index.ts')) notes.push(`tfjs-backend-onednn resolved to ${where}`);
  const onednn = (await import('tfjs-backend-onednn')) as unknown as OneDnnModule;
  // Without its addon the package falls back to 'cpu' with a warning; a benchmark of 'onednn' must stop instead.
  const status = onednn.addonStatus();
  if (!status.loaded) throw new Error(`bench: the 'onednn' backend did not load: ${status.reason}`);
  return onednn;
}

/** Runs `n` untimed steps, but stops after the first one once a quarter of the time budget is spent (slow contenders). */
function warmUp(step: () => number, n: number, budgetSeconds: number): void {
  const t0 = performance.now();
  for (let i = 0; i < n && (i < 1 || performance.now() - t0 < (budgetSeconds * 1000) / 4); i++) step();
}

/** Marks the protocol lines a child prints on stdout (anything else there is ignored). */
const MARK = '@@bench ';
type Reply = Record<string, unknown>;

/**
 * A tfjs contender in a child process, driven one step at a time by the parent (see `serveChild`), so that all
 * contenders' steps interleave and a change of machine load affects them alike.
 */
async function openSession(job: Job) {
  const { contender, shape, config: cfg } = job;
  const [c, h, w] = shape;
  const result: TfjsResult = {
    contender,
    label: LABEL[contender],
    backend: contender === 'wasm' ? 'wasm' : 'onednn',
    shape: shape.join('x'),
    notes: [],
  };
  const tf = (await import('@tensorflow/tfjs')) as Tf;
  if (contender === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
    wasm.setThreadsCount(cfg.threads);
    await tf.setBackend('wasm');
    result.threads = wasm.getThreadsCount();
    if (result.threads !== cfg.threads) {
      result.notes.push(`wasm runs ${result.threads} thread(s): tfjs-backend-wasm has no multithreaded build for Node`);
    }
  } else {
    const onednn = await importOneDnn(result.notes);
    await tf.setBackend('onednn');
    result.threads = onednn.native.getNumThreads();
    result.onednnVersion = onednn.native.onednnVersion?.();
    result.isa = onednn.native.effectiveIsa();
    result.nativeKernels = onednn.nativeKernelNames?.();
  }
  await tf.ready();

  const x = tf.randomNormal([cfg.batch, h, w, c], 0, 1, 'float32', 1) as tfTypes.Tensor4D;
  const yIdx = tf.randomUniform([cfg.batch], 0, cfg.classes, 'int32', 2) as tfTypes.Tensor1D;
  const yOneHot = tf.oneHot(yIdx, cfg.classes).toFloat() as tfTypes.Tensor2D;
  const built = await build(tf, job, x, yOneHot, yIdx);
  const gc = new GcRecorder();
  const snap = (): MemorySnapshot => ({ numTensors: tf.memory().numTensors, rss: process.memoryUsage().rss });
  const trainMs: number[] = [];
  const inferMs: number[] = [];
  const trainWindows: [number, number][] = [];
  const warmup = contender === 'wasm' ? Math.min(cfg.warmup, 1) : cfg.warmup;

  /** Setup: build, warm-up of training. Replies whether training works. */
  const open = (): Reply => {
    if (typeof built === 'string') {
      result.skipped = built;
      return { skipped: built };
    }
    result.params = trainableParams(built.model);
    const { trainPerImage, inferPerImage } = stepFlops(built.model);
    result.flops = { trainPerImage, inferPerImage };
    result.model = built.modelDesc;
    result.optimizer = built.optimizerDesc;
    result.inference = built.inferenceDesc;
    result.notes.push(...built.notes);
    try {
      warmUp(built.train, warmup, cfg.budget);
    } catch (e) {
      result.trainError = (e as Error).message.split('\n')[0];
      result.notes.push('its tensor counts include the tensors left behind by the failed training step');
    }
    result.memory = { beforeTrain: snap(), afterTrain: snap(), afterInfer: snap() };
    return { params: result.params, trainError: result.trainError };
  };

  /** One training step; `untimed` steps (the warm-up step of a turn) are run but not recorded. */
  const train = (untimed: boolean): Reply => {
    if (typeof built === 'string' || result.trainError) return { error: result.trainError ?? result.skipped };
    try {
      const s = performance.now();
      const loss = built.train();
      const e = performance.now();
      if (untimed) return { ms: e - s };
      trainMs.push(e - s);
      trainWindows.push([s, e]);
      if (!Number.isFinite(loss)) result.notes.push(`training loss became ${loss} at timed step ${trainMs.length}`);
      return { ms: e - s };
    } catch (err) {
      result.trainError = (err as Error).message.split('\n')[0];
      return { error: result.trainError };
    }
  };

  /** After the training steps: memory and GC of training, switch to the inference form, warm-up of inference. */
  const inferSetup = async (): Promise<Reply> => {
    if (typeof built === 'string') return { error: result.skipped };
    if (result.memory) result.memory.afterTrain = snap();
    if (trainMs.length > 0) {
      let gcMs = 0;
      for (const [s, e] of trainWindows) gcMs += await gc.between(s, e);
      result.gcMsPerTrainStep = gcMs / trainMs.length;
    }
    try {
      const check = built.prepareInference?.();
      if (check) result.notes.push(check);
      warmUp(built.infer, warmup, cfg.budget);
      return {};
    } catch (err) {
      result.inferError = (err as Error).message.split('\n')[0];
      return { error: result.inferError };
    }
  };

  const infer = (untimed: boolean): Reply => {
    if (typeof built === 'string' || result.inferError) return { error: result.inferError ?? result.skipped };
    try {
      const s = performance.now();
      built.infer();
      const ms = performance.now() - s;
      if (untimed) return { ms };
      inferMs.push(ms);
      return { ms };
    } catch (err) {
      result.inferError = (err as Error).message.split('\n')[0];
      return { error: result.inferError };
    }
  };

  /** Medians, memory after inference, and the kernel profile (alone: the other contenders wait meanwhile). */
  const finish = async (): Promise<TfjsResult> => {
    if (typeof built === 'string') return result;
    if (trainMs.length) {
      result.trainMs = trainMs;
      result.trainMedianMs = median(trainMs);
      result.trainImgPerSec = (cfg.batch * 1000) / result.trainMedianMs;
    }
    if (inferMs.length) {
      result.inferMs = inferMs;
      result.inferMedianMs = median(inferMs);
      result.inferImgPerSec = (cfg.batch * 1000) / result.inferMedianMs;
    }
    if (result.memory) result.memory.afterInfer = snap();
    if (cfg.profile && contender !== 'wasm' && !result.trainError && trainMs.length) {
      result.profile = await profileSteps(tf, built, gc, cfg, result.trainMedianMs!);
    }
    gc.stop();
    return result;
  };
  return { open, train, inferSetup, infer, finish };
}

/** --profile: kernel calls and self time per training step, time outside kernels, GC inside/outside kernels. */
async function profileSteps(tf: Tf, built: Built, gc: GcRecorder, cfg: Config, stepMs: number): Promise<Profile> {
  const timer = await installKernelTimer(tf, 'onednn');
  const pSteps = stepMs > 5000 ? 1 : Math.max(2, Math.min(cfg.steps, 5));
  built.train(); // first call through the wrapped kernels
  timer.start();
  const t0 = performance.now();
  for (let i = 0; i < pSteps; i++) built.train();
  const t1 = performance.now();
  const stats = timer.stop();
  const pauses = await gc.pauses(t0, t1);
  const gcMs = pauses.reduce((a, e) => a + e.duration, 0) / pSteps;
  const gcInside = pauses.filter((e) => timer.insideKernel(e.start)).reduce((a, e) => a + e.duration, 0) / pSteps;
  timer.start();
  built.infer();
  const inferStats = timer.stop();
  let calls = 0;
  let ms = 0;
  for (const s of stats.values()) {
    calls += s.calls;
    ms += s.ms;
  }
  const perStep = (t1 - t0) / pSteps;
  return {
    steps: pSteps,
    stepMs: perStep,
    kernelCallsPerStep: calls / pSteps,
    kernelMsPerStep: ms / pSteps,
    outsideKernelsMsPerStep: perStep - ms / pSteps,
    gcMsPerStep: gcMs,
    gcInsideKernelsMsPerStep: gcInside,
    kernels: [...stats.entries()]
      .map(([kernel, s]) => ({ kernel, callsPerStep: s.calls / pSteps, msPerStep: s.ms / pSteps }))
      .sort((a, b) => b.msPerStep - a.msPerStep),
    inferenceKernelCallsPerStep: [...inferStats.values()].reduce((a, s) => a + s.calls, 0),
  };
}

/** Child process main: answers the parent's one-line JSON commands (open, train, inferSetup, infer, finish). */
async function serveChild(job: Job): Promise<void> {
  const say = (r: Reply | TfjsResult) => process.stdout.write(MARK + JSON.stringify(r) + '\n');
  let session: Awaited<ReturnType<typeof openSession>> | undefined;
  let failed = '';
  try {
    session = await openSession(job);
  } catch (e) {
    failed = `setup failed: ${(e as Error).message.split('\n')[0]}`;
    console.error((e as Error).stack);
  }
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    const { cmd, untimed } = JSON.parse(line) as { cmd: string; untimed?: boolean };
    if (!session) say({ skipped: failed, error: failed });
    else if (cmd === 'open') say(session.open());
    else if (cmd === 'train') say(session.train(untimed === true));
    else if (cmd === 'inferSetup') say(await session.inferSetup());
    else if (cmd === 'infer') say(session.infer(untimed === true));
    else if (cmd === 'finish') say(await session.finish());
    if (cmd === 'finish') break;
  }
  rl.close();
}

/** The ISA oneDNN dispatches and the FMA peak per variant and thread count (1..threads), on stdout as one MARK line. */
interface PeakReport {
  isa: string;
  /** FLOP/s of the native FMA loop (native/fma_peak.cc), best of 30, by variant, index = threads - 1. */
  peaks: Record<string, number[]>;
}
async function servePeak(threads: number): Promise<void> {
  const onednn = await importOneDnn([]);
  const peaks: Record<string, number[]> = {};
  for (const variant of onednn.native.fmaVariants())
    peaks[variant] = Array.from({ length: threads }, (_, i) => onednn.native.fmaPeak(i + 1, variant, 30).flops);
  const report: PeakReport = { isa: onednn.native.effectiveIsa(), peaks };
  process.stdout.write(MARK + JSON.stringify(report) + '\n');
}

function measurePeak(threads: number): PeakReport | string {
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--fma-peak', String(threads)],
    { encoding: 'utf8', env: { ...process.env, TSX_TSCONFIG_PATH: join(HERE, 'tsconfig.json') } },
  );
  const line = r.stdout?.split('\n').find((l) => l.startsWith(MARK));
  if (!line) return `FMA peak not measured: ${r.stderr?.trim().split('\n').pop() ?? r.error?.message ?? 'no output'}`;
  return JSON.parse(line.slice(MARK.length)) as PeakReport;
}

/** The FMA loop that matches a oneDNN ISA: its AVX-512 kernels are bounded by the AVX-512 peak, the others by AVX2's. */
function peakVariantFor(isa: string): string {
  return isa.startsWith('avx512') ? 'avx512' : 'avx2';
}

// ---------------------------------------------------------------------------------------------------------------
// Parent: spawn the contenders and PyTorch, print and save the results
// ---------------------------------------------------------------------------------------------------------------

interface TorchRow {
  layout: 'nchw' | 'channels_last';
  shape: string;
  params: number;
  trainMs: number[];
  inferMs: number[];
  trainMedianMs: number;
  inferMedianMs: number;
  trainImgPerSec: number;
  inferImgPerSec: number;
}
interface TorchOut {
  torch?: string;
  threads?: number;
  shortcut?: string;
  results?: TorchRow[];
  skipped?: string;
  error?: string;
}

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

/** A child process answering one-line JSON commands with one `MARK`-prefixed JSON line each. */
class Peer {
  private readonly proc: ChildProcess;
  private readonly waiting: ((r: Reply) => void)[] = [];
  private stderrTail = '';
  private exited: string | undefined;

  constructor(
    readonly name: string,
    cmd: string,
    args: string[],
    env: NodeJS.ProcessEnv,
  ) {
    this.proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    this.proc.stderr!.on('data', (d: Buffer) => {
      process.stderr.write(d);
      this.stderrTail = (this.stderrTail + d.toString()).slice(-4000);
    });
    createInterface({ input: this.proc.stdout! }).on('line', (l) => {
      if (l.startsWith(MARK)) this.waiting.shift()?.(JSON.parse(l.slice(MARK.length)) as Reply);
    });
    this.proc.on('exit', (code, signal) => {
      const why = this.stderrTail.split('\n').find((l) => /Error/.test(l)) ?? this.stderrTail.trim().split('\n').pop();
      this.exited = `${name} exited (${code ?? signal})${why ? `: ${why}` : ''}`;
      for (const w of this.waiting.splice(0)) w({ error: this.exited, skipped: this.exited });
    });
  }

  request(message: Reply): Promise<Reply> {
    if (this.exited) return Promise.resolve({ error: this.exited, skipped: this.exited });
    return new Promise((resolveReply) => {
      this.waiting.push(resolveReply);
      this.proc.stdin!.write(JSON.stringify(message) + '\n');
    });
  }

  close(): void {
    this.proc.stdin!.end();
  }
}

function tfjsPeer(job: Job): Peer {
  const self = fileURLToPath(import.meta.url);
  return new Peer(
    `${job.contender} ${job.shape.join('x')}`,
    process.execPath,
    [...process.execArgv, self, '--child', JSON.stringify(job)],
    {
      ...process.env,
      [THREADS_ENV]: String(job.config.threads),
      TSX_TSCONFIG_PATH: join(HERE, 'tsconfig.json'),
    },
  );
}

function torchPeer(cfg: Config): Peer | string {
  const missing = pythonCannotImport('torch');
  if (missing) return missing;
  const args = [
    join(HERE, 'backend_torch.py'),
    '--serve',
    '--shapes',
    cfg.shapes.map((s) => s.join('x')).join(','),
    '--steps',
    String(cfg.steps),
    '--warmup',
    String(cfg.warmup),
    '--threads',
    String(cfg.threads),
    '--batch',
    String(cfg.batch),
    '--depth',
    String(cfg.depth),
    '--classes',
    String(cfg.classes),
    '--shortcut',
    cfg.shortcut,
    '--lr',
    String(cfg.lr),
    '--momentum',
    String(cfg.momentum),
    '--weight-decay',
    String(cfg.weightDecay),
  ];
  // OMP_NUM_THREADS too, so that torch's intra-op pool and oneDNN's OpenMP agree.
  return new Peer('PyTorch', PYTHON, args, { ...process.env, OMP_NUM_THREADS: String(cfg.threads) });
}

/** One timed series: a tfjs child, or one (shape, layout) of the PyTorch process. */
interface Lane {
  label: string;
  peer: Peer;
  key?: string;
  maxSteps: number;
  /** Untimed steps at the start of each of its turns. */
  turnWarmup: number;
  done: number;
  ms: number;
  stopped: boolean;
}

/**
 * Runs `rounds` rounds; in each, every lane still running takes a turn of `lane.turnWarmup` untimed steps and one
 * timed step, the lanes taking turns in an order rotated by one each round. The untimed steps matter: the first step
 * after a process sat idle while the others ran is ~20 ms slower on this VM (sleeping 400 ms between steps: 141–143
 * ms median against 120–126 ms back to back, docs/benchmarks.md), for every contender alike, which would squeeze all
 * ratios toward 1; a training loop never idles between steps. A lane stops on an error, at its step count, or once
 * past the time budget (after 2 steps).
 */
async function interleave(lanes: Lane[], cmd: 'train' | 'infer', cfg: Config): Promise<void> {
  for (const l of lanes) Object.assign(l, { done: 0, ms: 0, stopped: false });
  for (let round = 0; lanes.some((l) => !l.stopped); round++) {
    for (let k = 0; k < lanes.length; k++) {
      const lane = lanes[(round + k) % lanes.length];
      if (lane.stopped) continue;
      let warm: Reply = {};
      for (let w = 0; w < lane.turnWarmup && typeof warm.error !== 'string'; w++)
        warm = await lane.peer.request({ cmd, key: lane.key, untimed: true });
      const r = typeof warm.error === 'string' ? warm : await lane.peer.request({ cmd, key: lane.key });
      if (typeof r.ms !== 'number') {
        lane.stopped = true;
        continue;
      }
      lane.done++;
      lane.ms += r.ms;
      if (lane.done >= lane.maxSteps || (lane.done >= 2 && lane.ms > cfg.budget * 1000)) lane.stopped = true;
    }
    process.stderr.write(`\r… ${cmd} round ${round + 1}/${cfg.steps}   `);
  }
  process.stderr.write('\n');
}

interface Ratio {
  contender: Contender;
  shape: string;
  vs: string;
  train?: number;
  infer?: number;
  trainPaired?: number;
  inferPaired?: number;
}

interface PeakFraction {
  label: string;
  shape: string;
  isa: string;
  peakVariant: string;
  peakFlops: number;
  trainFlopsPerImage: number;
  trainFlops: number;
  trainFraction: number;
  inferFlops: number;
  inferFraction: number;
}

function peakFractions(tfjs: TfjsResult[], torch: TorchOut, peak: PeakReport | string, threads: number) {
  const out: PeakFraction[] = [];
  if (typeof peak === 'string') return out;
  const add = (label: string, shape: string, isa: string, trainImgPerSec = NaN, inferImgPerSec = NaN) => {
    const flops = tfjs.find((r) => r.shape === shape && r.flops)?.flops;
    const peakVariant = peakVariantFor(isa);
    const peakFlops = peak.peaks[peakVariant]?.[threads - 1];
    if (!flops || !peakFlops) return;
    const trainFlops = flops.trainPerImage * trainImgPerSec;
    const inferFlops = flops.inferPerImage * inferImgPerSec;
    out.push({
      label,
      shape,
      isa,
      peakVariant,
      peakFlops,
      trainFlopsPerImage: flops.trainPerImage,
      trainFlops,
      trainFraction: trainFlops / peakFlops,
      inferFlops,
      inferFraction: inferFlops / peakFlops,
    });
  };
  for (const r of tfjs)
    if (r.backend === 'onednn' && !r.skipped)
      add(r.label, r.shape, r.isa ?? peak.isa, r.trainImgPerSec, r.inferImgPerSec);
  for (const t of torch.results ?? [])
    add(
      `PyTorch ${t.layout === 'nchw' ? 'NCHW' : 'channels_last'}`,
      t.shape,
      peak.isa,
      t.trainImgPerSec,
      t.inferImgPerSec,
    );
  return out;
}

interface PassSummary {
  ratios: Ratio[];
  fractions: PeakFraction[];
  machine: { loadavgBefore: number[]; loadavgAfter: number[] };
}

/** The command-line arguments without `--json <path>` (the second pass writes its own file). */
function argsWithoutJson(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--json') i++;
    else if (!args[i].startsWith('--json=')) out.push(args[i]);
  }
  return out;
}

/** Runs this benchmark again with the same options under ONEDNN_MAX_CPU_ISA=AVX2; returns its JSON (or why not). */
function runAvx2Pass(): PassSummary | string {
  const jsonPath = join(tmpdir(), `trickbox-bench-avx2-${process.pid}.json`);
  console.log('\n=== second pass: every contender with ONEDNN_MAX_CPU_ISA=AVX2 (child processes) ===\n');
  const r = spawnSync(
    process.execPath,
    [
      ...process.execArgv,
      fileURLToPath(import.meta.url),
      ...argsWithoutJson(process.argv.slice(2)),
      '--isa-pass',
      'avx2',
      '--json',
      jsonPath,
    ],
    { stdio: 'inherit', env: { ...process.env, ONEDNN_MAX_CPU_ISA: 'AVX2' } },
  );
  if (r.status !== 0) return `the AVX2 pass failed (exit ${r.status ?? r.signal})`;
  const pass = JSON.parse(readFileSync(jsonPath, 'utf8')) as PassSummary;
  rmSync(jsonPath);
  return pass;
}

/** Both ISAs side by side: paired ratios to PyTorch and fractions of peak. */
function printIsaSummary(ratios: Ratio[], fractions: PeakFraction[], avx2: PassSummary, isa: string): void {
  const x = (v: number | undefined) => `${fmt(v, 2)}×`;
  const pct = (v: number | undefined) => `${fmt(v === undefined ? undefined : 100 * v)}%`;
  const head = (what: string) => [what, 'input', `train ${isa}`, 'train avx2', `infer ${isa}`, 'infer avx2'];
  if (ratios.length) {
    const rows = [head('both ISAs (paired ratios)')];
    for (const q of ratios) {
      const a = avx2.ratios.find((o) => o.contender === q.contender && o.shape === q.shape && o.vs === q.vs);
      const vs = q.vs === 'nchw' ? 'NCHW' : 'channels_last';
      rows.push([
        `${LABEL[q.contender]} / PyTorch ${vs}`,
        q.shape,
        x(q.trainPaired),
        x(a?.trainPaired),
        x(q.inferPaired),
        x(a?.inferPaired),
      ]);
    }
    console.log('\n' + table(rows));
  }
  const fr = [head('both ISAs (% of FMA peak)')];
  for (const f of fractions) {
    const a = avx2.fractions.find((o) => o.label === f.label && o.shape === f.shape);
    fr.push([
      f.label,
      f.shape,
      pct(f.trainFraction),
      pct(a?.trainFraction),
      pct(f.inferFraction),
      pct(a?.inferFraction),
    ]);
  }
  console.log('\n' + table(fr));
  console.log(
    `(avx2 pass: load average ${avx2.machine.loadavgBefore.join(', ')} before, ${avx2.machine.loadavgAfter.join(', ')} after; ` +
      `PyTorch's own ATen kernels ignore ONEDNN_MAX_CPU_ISA, only its oneDNN convolutions run AVX2 there)`,
  );
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    '| ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  const sep =
    '|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 1) + ' ' : ' ' + '-'.repeat(w) + ':')).join('|') + '|';
  return [line(rows[0]), sep, ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      steps: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '100' },
      shapes: { type: 'string', default: '1x28x28,3x32x32' },
      batch: { type: 'string', default: '128' },
      shortcut: { type: 'string', default: 'A' },
      only: { type: 'string', default: CONTENDERS.join(',') },
      'wasm-steps': { type: 'string', default: '2' },
      budget: { type: 'string', default: '120' },
      'turn-warmup': { type: 'string', default: '1' },
      profile: { type: 'boolean', default: false },
      'skip-wasm': { type: 'boolean', default: false },
      'skip-torch': { type: 'boolean', default: false },
      json: { type: 'string' },
      'no-avx2-pass': { type: 'boolean', default: false },
      'isa-pass': { type: 'string' },
      'fma-peak': { type: 'string' },
      child: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    allowPositionals: false,
  });
  if (values.child) {
    await serveChild(JSON.parse(values.child) as Job);
    return;
  }
  if (values['fma-peak']) {
    await servePeak(positiveInt('fma-peak', values['fma-peak'], 1));
    return;
  }
  if (values.help) {
    console.log(
      readFileSync(fileURLToPath(import.meta.url), 'utf8')
        .split('\n')
        .slice(0, 15)
        .join('\n'),
    );
    return;
  }
  if (values.shortcut !== 'A' && values.shortcut !== 'B') fail(`--shortcut must be A or B, got '${values.shortcut}'`);
  const only = values.only!.split(',').map((s) => s.trim());
  for (const o of only)
    if (!CONTENDERS.includes(o as Contender)) fail(`--only accepts ${CONTENDERS.join(', ')}; got '${o}'`);
  const cfg: Config = {
    steps: positiveInt('steps', values.steps!, 1),
    warmup: positiveInt('warmup', values.warmup!, 0),
    shapes: values.shapes!.split(',').map(parseShape),
    batch: positiveInt('batch', values.batch!, 1),
    depth: 20,
    classes: 10,
    shortcut: values.shortcut,
    lr: 0.1,
    momentum: 0.9,
    weightDecay: 5e-4,
    profile: values.profile!,
    wasmSteps: positiveInt('wasm-steps', values['wasm-steps']!, 1),
    budget: positiveInt('budget', values.budget!, 1),
    turnWarmup: positiveInt('turn-warmup', values['turn-warmup']!, 0),
    threads: threadCount(),
  };

  const command = `node --import tsx bench/backend.ts ${process.argv.slice(2).join(' ')}`.trim();
  const cpuModel = sh('sh', ['-c', "lscpu | sed -n 's/^Model name: *//p'"]) || cpus()[0]?.model || 'unknown';
  const machine = {
    nproc: Number(sh('nproc', [])) || availableParallelism(),
    cpu: cpuModel,
    loadavgBefore: loadavg(),
    uptimeBefore: sh('uptime', []),
    node: process.version,
    gitCommit: sh('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']),
    uncommittedBackendFiles: sh('git', ['-C', ROOT, 'status', '--short', 'packages/tfjs-backend-onednn'])
      .split('\n')
      .filter(Boolean).length,
    platform: `${process.platform} ${process.arch}`,
  };
  console.log(`bench/backend — ${new Date().toISOString()}`);
  console.log(`command: ${command}`);
  console.log(`machine: ${machine.nproc} CPUs, ${machine.cpu}; load before: ${machine.uptimeBefore}`);
  console.log(
    `threads: ${cfg.threads} (${THREADS_ENV}${process.env[THREADS_ENV] ? `=${process.env[THREADS_ENV]}` : ' unset: all cores'}); ` +
      `batch ${cfg.batch}, ResNet-${cfg.depth} shortcut ${cfg.shortcut}, ${cfg.classes} classes, SGD lr ${cfg.lr} m ${cfg.momentum} wd ${cfg.weightDecay}; ` +
      `median of ${cfg.steps} timed steps after ${cfg.warmup} warm-up (wasm: ${Math.min(cfg.steps, cfg.wasmSteps)} after 1), ` +
      `each timed step after ${cfg.turnWarmup} untimed step(s) of the same contender`,
  );
  // Measured before any contender starts, so nothing of this run competes with the FMA loop.
  const peak = measurePeak(cfg.threads);
  const forcedIsa = process.env.ONEDNN_MAX_CPU_ISA;
  if (typeof peak === 'string') console.log(`- ${peak}`);
  else {
    console.log(`oneDNN ISA: ${peak.isa}${forcedIsa ? ` (ONEDNN_MAX_CPU_ISA=${forcedIsa})` : ''}`);
    for (const [variant, flops] of Object.entries(peak.peaks))
      console.log(
        `FMA peak, ${variant} loop (native/fma_peak.cc, float32, best of 30, at the start): ` +
          flops.map((f, i) => `${i + 1} thread(s) ${fmt(f / 1e9)} GFLOP/s`).join(', '),
      );
  }

  // Set up every contender in turn (build + warm-up, one at a time), then interleave their timed steps.
  const jobs: Job[] = [];
  for (const shape of cfg.shapes) {
    for (const contender of CONTENDERS) {
      if (!only.includes(contender) || (contender === 'wasm' && values['skip-wasm'])) continue;
      jobs.push({ contender, shape, config: cfg });
    }
  }
  const peers: { job: Job; peer: Peer; open: Reply }[] = [];
  for (const job of jobs) {
    console.error(`… setting up ${LABEL[job.contender]} ${job.shape.join('x')}`);
    const peer = tfjsPeer(job);
    const open = await peer.request({ cmd: 'open' });
    if (open.skipped) console.error(`  skipped: ${open.skipped}`);
    if (open.trainError) console.error(`  training unavailable: ${open.trainError}`);
    peers.push({ job, peer, open });
  }
  let torch: TorchOut = { skipped: '--skip-torch' };
  let torchLanes: Lane[] = [];
  let torchP: Peer | undefined;
  if (!values['skip-torch']) {
    console.error('… setting up PyTorch (bench/backend_torch.py --serve)');
    const p = torchPeer(cfg);
    if (typeof p === 'string') torch = { skipped: p };
    else {
      const open = await p.request({ cmd: 'open' });
      if (open.error) torch = { error: String(open.error) };
      else {
        torchP = p;
        torchLanes = (open.keys as string[]).map((key) => ({
          label: `PyTorch ${key}`,
          peer: p,
          key,
          maxSteps: cfg.steps,
          turnWarmup: cfg.turnWarmup,
          done: 0,
          ms: 0,
          stopped: false,
        }));
      }
    }
  }
  const lanesOf = (filter: (o: Reply) => boolean) =>
    peers
      .filter((p) => !p.open.skipped && filter(p.open))
      .map((p): Lane => ({
        label: p.peer.name,
        peer: p.peer,
        maxSteps: p.job.contender === 'wasm' ? Math.min(cfg.steps, cfg.wasmSteps) : cfg.steps,
        turnWarmup: p.job.contender === 'wasm' ? 0 : cfg.turnWarmup,
        done: 0,
        ms: 0,
        stopped: false,
      }));
  console.error('… training steps (contenders take turns)');
  await interleave([...lanesOf((o) => !o.trainError), ...torchLanes], 'train', cfg);
  for (const p of peers) if (!p.open.skipped) await p.peer.request({ cmd: 'inferSetup' });
  console.error('… inference steps (contenders take turns)');
  await interleave([...lanesOf(() => true), ...torchLanes], 'infer', cfg);
  const tfjs: TfjsResult[] = [];
  for (const p of peers) {
    if (cfg.profile && !p.open.skipped && p.job.contender !== 'wasm') console.error(`… profiling ${p.peer.name}`);
    const r = (await p.peer.request({ cmd: 'finish' })) as unknown as TfjsResult;
    p.peer.close();
    tfjs.push(
      r.contender
        ? r
        : {
            contender: p.job.contender,
            label: LABEL[p.job.contender],
            backend: p.job.contender === 'wasm' ? 'wasm' : 'onednn',
            shape: p.job.shape.join('x'),
            skipped: String((r as unknown as Reply).skipped ?? (r as unknown as Reply).error ?? 'no result'),
            notes: [],
          },
    );
  }
  if (torchP) {
    torch = (await torchP.request({ cmd: 'finish' })) as TorchOut;
    torchP.close();
  }
  machine.loadavgBefore = machine.loadavgBefore.map((v) => Math.round(v * 100) / 100);
  const loadAfter = loadavg().map((v) => Math.round(v * 100) / 100);
  // The peak again now that the contenders are idle: the best of both measurements is the machine's peak.
  const peakEnd = measurePeak(cfg.threads);
  if (typeof peak !== 'string' && typeof peakEnd !== 'string')
    for (const [variant, flops] of Object.entries(peak.peaks))
      peak.peaks[variant] = flops.map((f, i) => Math.max(f, peakEnd.peaks[variant]?.[i] ?? 0));

  // Throughput table.
  // Best step (minimum time) next to the median: on a shared machine it shows how much load slowed a contender.
  const best = (ms: number[] | undefined) => (ms && ms.length ? (cfg.batch * 1000) / Math.min(...ms) : undefined);
  const rows: string[][] = [
    [
      'contender',
      'input',
      'params',
      'train img/s',
      '(best)',
      'train ms/step',
      'infer img/s',
      '(best)',
      'infer ms/batch',
    ],
  ];
  for (const r of tfjs) {
    rows.push([
      r.label,
      r.shape,
      r.params?.toLocaleString('en-US') ?? '—',
      r.skipped ? 'skipped' : r.trainError ? 'unavailable' : fmt(r.trainImgPerSec),
      fmt(best(r.trainMs)),
      fmt(r.trainMedianMs),
      r.skipped ? 'skipped' : r.inferError ? 'error' : fmt(r.inferImgPerSec),
      fmt(best(r.inferMs)),
      fmt(r.inferMedianMs),
    ]);
  }
  for (const t of torch.results ?? []) {
    rows.push([
      `PyTorch ${torch.torch} ${t.layout === 'nchw' ? 'NCHW' : 'channels_last'}`,
      t.shape,
      t.params.toLocaleString('en-US'),
      fmt(t.trainImgPerSec),
      fmt(best(t.trainMs)),
      fmt(t.trainMedianMs),
      fmt(t.inferImgPerSec),
      fmt(best(t.inferMs)),
      fmt(t.inferMedianMs),
    ]);
  }
  console.log('\n' + table(rows));
  for (const r of tfjs) {
    if (r.skipped) console.log(`- ${r.label} ${r.shape}: skipped — ${r.skipped}`);
    if (r.trainError) console.log(`- ${r.label} ${r.shape}: training unavailable — ${r.trainError}`);
    if (r.inferError) console.log(`- ${r.label} ${r.shape}: inference failed — ${r.inferError}`);
    for (const n of r.notes) console.log(`- ${r.label} ${r.shape}: ${n}`);
  }
  if (torch.skipped) console.log(`- PyTorch: skipped — ${torch.skipped}`);
  if (torch.error) console.log(`- PyTorch: ${torch.error}`);
  const described = new Set<string>();
  for (const r of tfjs) {
    if (!r.model || described.has(r.contender)) continue;
    described.add(r.contender);
    console.log(`- ${r.label}: ${r.model}; ${r.optimizer}; inference: ${r.inference}; ${r.threads} thread(s)`);
  }
  const nk = tfjs.find((r) => r.nativeKernels)?.nativeKernels;
  if (nk) {
    const oneDnnVersion = tfjs.find((r) => r.onednnVersion)?.onednnVersion ?? '?';
    console.log(`- native on onednn (oneDNN ${oneDnnVersion}, ${nk.length} kernels): ${nk.join(', ')}`);
  }
  console.log(
    `- tree: commit ${machine.gitCommit}, ${machine.uncommittedBackendFiles} uncommitted file(s) in packages/tfjs-backend-onednn`,
  );
  if (torch.results)
    console.log(
      `- PyTorch ${torch.torch}: ${torch.threads} thread(s), shortcut ${torch.shortcut}, torch.optim.SGD, F.cross_entropy`,
    );

  // Ratios against PyTorch.
  // Ratios of medians, and paired ratios: the median over rounds of (PyTorch step time / our step time) in the same
  // round — the two steps ran within seconds of each other, so a load change affects both.
  const paired = (ours: number[] | undefined, theirs: number[] | undefined) => {
    const n = Math.min(ours?.length ?? 0, theirs?.length ?? 0);
    return n ? median(Array.from({ length: n }, (_, i) => theirs![i] / ours![i])) : undefined;
  };
  const ratios: Ratio[] = [];
  for (const r of tfjs) {
    for (const t of torch.results ?? []) {
      if (t.shape !== r.shape || r.contender === 'wasm') continue;
      ratios.push({
        contender: r.contender,
        shape: r.shape,
        vs: t.layout,
        train: r.trainImgPerSec !== undefined ? r.trainImgPerSec / t.trainImgPerSec : undefined,
        infer: r.inferImgPerSec !== undefined ? r.inferImgPerSec / t.inferImgPerSec : undefined,
        trainPaired: paired(r.trainMs, t.trainMs),
        inferPaired: paired(r.inferMs, t.inferMs),
      });
    }
  }
  if (ratios.length) {
    const rr: string[][] = [['ratio (img/s over PyTorch)', 'input', 'train', '(paired)', 'inference', '(paired)']];
    for (const q of ratios)
      rr.push([
        `${LABEL[q.contender]} / PyTorch ${q.vs === 'nchw' ? 'NCHW' : 'channels_last'}`,
        q.shape,
        `${fmt(q.train, 2)}×`,
        `${fmt(q.trainPaired, 2)}×`,
        `${fmt(q.infer, 2)}×`,
        `${fmt(q.inferPaired, 2)}×`,
      ]);
    console.log('\n' + table(rr));
    console.log('(ratio of medians; paired = median over rounds of the ratio of the two step times in the same round)');
  }

  // Fraction of peak: the step's FLOPs (counted from the model's layers) × img/s over the FMA peak of the variant the
  // dispatched ISA runs, at the same thread count. PyTorch runs the same network (same FLOPs).
  const fractions = peakFractions(tfjs, torch, peak, cfg.threads);
  if (typeof peak !== 'string')
    for (const [variant, flops] of Object.entries(peak.peaks))
      console.log(
        `\nFMA peak, ${variant} loop (best of the start and end measurements): ` +
          flops.map((f, i) => `${i + 1} thread(s) ${fmt(f / 1e9)} GFLOP/s`).join(', '),
      );
  if (fractions.length) {
    const fr: string[][] = [
      ['fraction of FMA peak', 'input', 'ISA', 'MFLOP/img train', 'train GFLOP/s', '% peak', 'infer GFLOP/s', '% peak'],
    ];
    for (const f of fractions)
      fr.push([
        f.label,
        f.shape,
        f.isa,
        fmt(f.trainFlopsPerImage / 1e6),
        fmt(f.trainFlops / 1e9),
        `${fmt(100 * f.trainFraction)}%`,
        fmt(f.inferFlops / 1e9),
        `${fmt(100 * f.inferFraction)}%`,
      ]);
    console.log('\n' + table(fr));
    const p = fractions[0];
    console.log(
      `(peak: the ${p.peakVariant} FMA loop on ${cfg.threads} thread(s), ${fmt(p.peakFlops / 1e9)} GFLOP/s; FLOPs: ` +
        `convolutions and the dense layer, forward + backward-data + backward-weights for training, bench/flops.ts)`,
    );
    if (torch.results && forcedIsa)
      console.log(
        `(PyTorch under ONEDNN_MAX_CPU_ISA=${forcedIsa}: its oneDNN convolutions obey it; its own ATen kernels — batch ` +
          `norm, ReLU, add, pooling, the SGD update — ignore it and keep the CPU's best vector ISA)`,
      );
  }

  // Memory.
  const mem: string[][] = [
    ['memory (tensors, RSS)', 'input', 'before train', 'after train', 'after inference', 'GC ms/step'],
  ];
  for (const r of tfjs) {
    if (!r.memory) continue;
    const m = r.memory;
    const f = (s: MemorySnapshot) => `${s.numTensors} t, ${mb(s.rss)}`;
    mem.push([r.label, r.shape, f(m.beforeTrain), f(m.afterTrain), f(m.afterInfer), fmt(r.gcMsPerTrainStep, 2)]);
  }
  if (mem.length > 1) console.log('\n' + table(mem));

  // Profiles.
  for (const r of tfjs) {
    const p = r.profile;
    if (!p) continue;
    console.log(
      `\nprofile ${r.label} ${r.shape} (${p.steps} steps, kernels timed by a registry wrapper): ${fmt(p.stepMs)} ms/step, ` +
        `${fmt(p.kernelCallsPerStep, 0)} kernel calls/step (inference: ${p.inferenceKernelCallsPerStep}), ` +
        `${fmt(p.kernelMsPerStep)} ms in kernels, ${fmt(p.outsideKernelsMsPerStep)} ms outside kernels ` +
        `(${fmt((100 * p.outsideKernelsMsPerStep) / p.stepMs)}%, engine + GC); GC ${fmt(p.gcMsPerStep, 2)} ms/step ` +
        `(${fmt(p.gcMsPerStep - p.gcInsideKernelsMsPerStep, 2)} outside kernels, ${fmt(p.gcInsideKernelsMsPerStep, 2)} inside)`,
    );
    const kr: string[][] = [['kernel', 'calls/step', 'ms/step', 'share of step']];
    for (const k of p.kernels.slice(0, 25))
      kr.push([k.kernel, fmt(k.callsPerStep, 0), fmt(k.msPerStep, 2), `${fmt((100 * k.msPerStep) / p.stepMs)}%`]);
    if (p.kernels.length > 25) {
      const rest = p.kernels.slice(25);
      kr.push([
        `(${rest.length} others)`,
        fmt(
          rest.reduce((a, k) => a + k.callsPerStep, 0),
          0,
        ),
        fmt(
          rest.reduce((a, k) => a + k.msPerStep, 0),
          2,
        ),
        '',
      ]);
    }
    console.log(table(kr));
  }
  console.log(`\nload average after the run: ${loadAfter.join(', ')}`);

  // On a machine whose oneDNN dispatches AVX-512, the AVX2 path is measured too: this script again, every contender
  // (tfjs children and PyTorch) started with ONEDNN_MAX_CPU_ISA=AVX2.
  let avx2Pass: unknown;
  if (typeof peak !== 'string' && peak.isa.startsWith('avx512') && !values['isa-pass'] && !values['no-avx2-pass']) {
    avx2Pass = runAvx2Pass();
    if (typeof avx2Pass !== 'string') printIsaSummary(ratios, fractions, avx2Pass as PassSummary, peak.isa);
    else console.log(`- ${avx2Pass}`);
  }

  const out = {
    date: new Date().toISOString(),
    command,
    machine: { ...machine, loadavgAfter: loadAfter },
    config: cfg,
    isa: typeof peak === 'string' ? undefined : peak.isa,
    onednnMaxCpuIsa: forcedIsa,
    fmaPeak: peak,
    tfjs,
    torch,
    ratios,
    fractions,
    avx2Pass,
  };
  const jsonPath = values.json ?? join(HERE, 'results', `backend-${out.date.slice(0, 10)}.json`);
  mkdirSync(dirname(resolve(jsonPath)), { recursive: true });
  writeFileSync(jsonPath, JSON.stringify(out, null, 1) + '\n');
  console.log(`raw results: ${relative(process.cwd(), resolve(jsonPath))}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
