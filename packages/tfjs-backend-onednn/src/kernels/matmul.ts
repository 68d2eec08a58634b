// BatchMatMul and _FusedMatMul (bias + relu/linear) on oneDNN's matmul (native/matmul.cc). Dense layers' forward pass
// is _FusedMatMul; their backward pass is BatchMatMul with transposed operands plus a Sum for the bias. Batch dims
// must be equal or one operand's batch must be 1; other broadcasts, other activations and non-float32 data use the
// cpu kernels.
import {
  _FusedMatMul,
  BatchMatMul,
  broadcast_util,
  type BatchMatMulAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  type _FusedMatMulAttrs,
} from '@tensorflow/tfjs-core';
import { BACKEND_NAME, type OneDnnBackend } from '../backend.js';
import { native } from '../native.js';
import { cpuKernel } from './fallback.js';
import { float32Data, sizeOf } from './native_util.js';

const cpuBatchMatMul = cpuKernel(BatchMatMul);
const cpuFusedMatMul = cpuKernel(_FusedMatMul);

interface Plan {
  params: number[];
  outShape: number[];
}

/** The native call's parameters, or null when the shapes need the cpu kernel. */
function plan(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): Plan | null {
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) return null;
  const M = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const K = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const N = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (K !== kb || M === 0 || N === 0 || K === 0) return null;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = sizeOf(outerA);
  const batchB = sizeOf(outerB);
  const sameOuter = outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i]);
  if (!sameOuter && batchA !== 1 && batchB !== 1) return null;
  if (batchA === 0 || batchB === 0) return null;
  const outer = broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  return { params: [batchA, batchB, M, K, N, transposeA ? 1 : 0, transposeB ? 1 : 0], outShape: [...outer, M, N] };
}

export function batchMatMul(args: {
  inputs: { a: TensorInfo; b: TensorInfo };
  backend: OneDnnBackend;
  attrs: BatchMatMulAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { a, b } = inputs;
  const data = float32Data(backend, a, b);
  const p = data ? plan(a, b, attrs.transposeA, attrs.transposeB) : null;
  if (!data || !p) return cpuBatchMatMul(args as never) as TensorInfo;
  const c = backend.allocFloat32(sizeOf(p.outShape));
  native.matmul(data[0], data[1], null, c, p.params, false);
  return backend.outputFloat32(c, p.outShape);
}

export function fusedMatMul(args: {
  inputs: { a: TensorInfo; b: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
  backend: OneDnnBackend;
  attrs: _FusedMatMulAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { a, b, bias } = inputs;
  const activationOk = attrs.activation === 'linear' || attrs.activation === 'relu' || attrs.activation === undefined;
  const data = float32Data(backend, a, b, ...(bias ? [bias] : []));
  const p = data && activationOk ? plan(a, b, attrs.transposeA, attrs.transposeB) : null;
  const N = p ? p.params[4] : 0;
  // A bias that broadcasts along the last axis only: [N], [1, N], ...
  const biasOk =
    !bias ||
    (bias.shape.length >= 1 &&
      bias.shape.length <= (p?.outShape.length ?? 0) &&
      bias.shape[bias.shape.length - 1] === N &&
      sizeOf(bias.shape) === N);
  if (!data || !p || !biasOk) return cpuFusedMatMul(args as never) as TensorInfo;
  const c = backend.allocFloat32(sizeOf(p.outShape));
  native.matmul(data[0], data[1], bias ? data[2] : null, c, p.params, attrs.activation === 'relu');
  return backend.outputFloat32(c, p.outShape);
}

export const batchMatMulConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: BACKEND_NAME,
  kernelFunc: batchMatMul as unknown as KernelFunc,
};
export const fusedMatMulConfig: KernelConfig = {
  kernelName: _FusedMatMul,
  backendName: BACKEND_NAME,
  kernelFunc: fusedMatMul as unknown as KernelFunc,
};
