// Loads the C++ addon (prebuilt platform package, or built by node-gyp) and describes its functions.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { type AddonOrigin, addonCandidates, installHint } from './locate.js';

/** Functions of `onednn_addon.node`. Arrays are tensor data, read and written in place. */
export interface NativeAddon {
  setNumThreads(threads: number): void;
  getNumThreads(): number;
  primitiveCacheSize(): number;
  onednnVersion(): string;
  /**
   * The instruction set oneDNN generates its kernels for (`dnnl_get_effective_cpu_isa`): 'avx2', 'avx512_core', …;
   * the CPU's best unless `ONEDNN_MAX_CPU_ISA` lowers it.
   */
  effectiveIsa(): string;
  /**
   * The measured float32 FMA peak of `threads` threads (native/fma_peak.cc): the best of `repeats` runs of a register
   * FMA loop, in FLOP/s. `variant` 'auto' takes the widest the CPU has ('avx512', else 'avx2').
   */
  fmaPeak(
    threads: number,
    variant?: 'auto' | 'avx2' | 'avx512',
    repeats?: number,
  ): { variant: 'avx2' | 'avx512'; threads: number; flops: number };
  /** The FMA loop variants this CPU can run. */
  fmaVariants(): Array<'avx2' | 'avx512'>;
  conv2d(
    x: Float32Array,
    w: Float32Array,
    bias: Float32Array | null,
    y: Float32Array,
    params: number[],
    relu: boolean,
    /** Added before the ReLU (a oneDNN sum post-op); the output's shape. */
    residual?: Float32Array | null,
  ): void;
  /** Max or average (exclude padding) 2-D pooling, NHWC; params as src/kernels/pool.ts. */
  pool(isMax: boolean, x: Float32Array, y: Float32Array, params: number[]): void;
  poolBackward(isMax: boolean, dy: Float32Array, x: Float32Array | null, dx: Float32Array, params: number[]): void;
  conv2dBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, params: number[]): void;
  conv2dBackpropFilter(
    x: Float32Array,
    dy: Float32Array,
    dw: Float32Array,
    params: number[],
    dbias: Float32Array | null,
  ): void;
  bnTrainForward(
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    residual: Float32Array | null,
    y: Float32Array,
    mean: Float32Array,
    invstd: Float32Array,
    rows: number,
    channels: number,
    epsilon: number,
    relu: boolean,
    runningMean: Float32Array | null,
    runningVar: Float32Array | null,
    newRunningMean: Float32Array | null,
    newRunningVar: Float32Array | null,
    momentum: number,
    mask?: Float32Array | null,
  ): void;
  /** Whether the batch-norm kernels run their AVX2 + FMA loops (CPU support, and TFJS_ONEDNN_BN_SIMD is not 0). */
  batchNormSimd(): boolean;
  bnTrainBackward(
    dy: Float32Array,
    x: Float32Array,
    y: Float32Array | null,
    gamma: Float32Array,
    mean: Float32Array,
    invstd: Float32Array,
    dx: Float32Array,
    dgamma: Float32Array,
    dbeta: Float32Array,
    dresidual: Float32Array | null,
    rows: number,
    channels: number,
    mask?: Float32Array | null,
  ): void;
  sgdMomentum(
    param: Float32Array,
    grad: Float32Array,
    velocity: Float32Array,
    lr: number,
    momentum: number,
    dampening: number,
    weightDecay: number,
    nesterov: boolean,
  ): void;
  /** out = a op b with broadcasting; op codes in src/kernels/binary.ts. */
  binary(
    op: number,
    a: Float32Array,
    aShape: number[],
    b: Float32Array,
    bShape: number[],
    out: Float32Array,
    outShape: number[],
  ): void;
  /** y = op(x); op codes in src/kernels/unary.ts; alpha is Step's value for x <= 0. */
  unary(op: number, x: Float32Array, y: Float32Array, alpha: number): void;
  addN(xs: Float32Array[], y: Float32Array): void;
  /** dx = dy · step(x) (the ReLU gradient in one pass). */
  reluGrad(dy: Float32Array, x: Float32Array, dx: Float32Array): void;
  /** tfjs FusedBatchNorm over the last axis; each parameter holds `channels` values or one (null: default). */
  batchNorm(
    x: Float32Array,
    channels: number,
    mean: Float32Array | null,
    variance: Float32Array | null,
    scale: Float32Array | null,
    offset: Float32Array | null,
    epsilon: number,
    y: Float32Array,
  ): void;
  /** y = reduce(x) over `axes`; op codes in src/kernels/reduce.ts. */
  reduce(op: number, x: Float32Array, shape: number[], axes: number[], y: Float32Array): void;
  /** Index of the first max (isMax) or min along R of x viewed as [K1, R, K2]. */
  argReduce(isMax: boolean, x: Float32Array, dims: number[], y: Int32Array): void;
  /** Softmax over the last axis of x viewed as [rows, cols]. */
  softmax(x: Float32Array, rows: number, cols: number, y: Float32Array): void;
  tile(x: Float32Array, shape: number[], reps: number[], y: Float32Array): void;
  transpose(x: Float32Array, shape: number[], perm: number[], y: Float32Array): void;
  pad(x: Float32Array, shape: number[], before: number[], after: number[], value: number, y: Float32Array): void;
  slice(x: Float32Array, shape: number[], begin: number[], size: number[], y: Float32Array): void;
  /** y viewed as [outer, Σ inners] from xs[i] viewed as [outer, inners[i]]. */
  concat(xs: Float32Array[], inners: number[], outer: number, y: Float32Array): void;
  /** c = relu?(a·b + bias); params [batchA, batchB, M, K, N, transposeA, transposeB]. */
  matmul(
    a: Float32Array,
    b: Float32Array,
    bias: Float32Array | null,
    c: Float32Array,
    params: number[],
    relu: boolean,
  ): void;
  [name: string]: unknown;
}

/**
 * How long an idle OpenMP thread spins before it sleeps (libgomp's GOMP_SPINCOUNT), unless the user set
 * GOMP_SPINCOUNT or OMP_WAIT_POLICY. libgomp's default spin (300,000 iterations) wrecks throughput as soon as another
 * process wants the cores; no spin at all pays a futex wake-up at every parallel region. 30,000 was the best of
 * 0 / 10k / 30k / 100k / 300k both with two CPU hogs running and on the idle machine (docs/backend.md).
 * libgomp reads it once, when the addon loads it.
 */
export const DEFAULT_GOMP_SPINCOUNT = '30000';

/** Whether the addon loaded, from which file and place; or, when none did, why (one line per place tried). */
export type AddonStatus = { loaded: true; file: string; origin: AddonOrigin } | { loaded: false; reason: string };

/** The addon in `file`, or why it cannot be loaded (naming a missing shared library). */
function tryLoad(file: string): NativeAddon | string {
  if (!existsSync(file)) return `native addon not built (${file} is missing)`;
  try {
    return createRequire(import.meta.url)(file) as NativeAddon;
  } catch (error) {
    const message = (error as Error).message.split('\n')[0];
    const missingLib = /lib(dnnl|gomp|omp|OpenCL)[^:\s]*/.exec(message)?.[0];
    return `cannot load ${file}` + (missingLib ? ` (shared library ${missingLib} not found)` : '') + `: ${message}`;
  }
}

/** Loads the addon from `file`; a missing file or library gives an error that says what to install. */
export function loadAddonFrom(file: string): NativeAddon {
  const result = tryLoad(file);
  if (typeof result === 'string') throw new Error(`tfjs-backend-onednn: ${result}. ${installHint()}`);
  return result;
}

function load(): { addon?: NativeAddon; status: AddonStatus } {
  if (process.env.GOMP_SPINCOUNT === undefined && process.env.OMP_WAIT_POLICY === undefined) {
    process.env.GOMP_SPINCOUNT = DEFAULT_GOMP_SPINCOUNT;
  }
  const failures: string[] = [];
  for (const candidate of addonCandidates()) {
    if ('missing' in candidate) {
      failures.push(candidate.missing);
      continue;
    }
    const addon = tryLoad(candidate.file);
    if (typeof addon !== 'string') {
      return { addon, status: { loaded: true, file: candidate.file, origin: candidate.origin } };
    }
    failures.push(addon);
  }
  return { status: { loaded: false, reason: `${failures.join('; ')}. ${installHint()}` } };
}

let outcome: { addon?: NativeAddon; status: AddonStatus } | undefined;

/** Loads the addon once (later calls return the same result) and says whether, and from where, it loaded. */
export function addonStatus(): AddonStatus {
  return (outcome ??= load()).status;
}

/** The addon, loaded on first use (so that importing the fused ops on another backend needs no native build). */
export function loadNative(): NativeAddon {
  const { addon, status } = (outcome ??= load());
  if (!addon) throw new Error(`tfjs-backend-onednn: no usable native addon: ${status.loaded ? '' : status.reason}`);
  return addon;
}

/** The addon's functions; the first access loads it and throws a clear error if it cannot be loaded. */
export const native: NativeAddon = new Proxy({} as NativeAddon, {
  get: (_target, name: string) => loadNative()[name],
});
