// Layout kernels (native/layout.cc): Tile, Transpose, PadV2, Slice, Concat. Reshape stays the cpu kernel (free: it
// shares the data). A contiguous Slice also stays the cpu kernel, which returns a view on the input's buffer without
// copying (the backend's pool pins buffers that views were taken from); only strided slices are copied natively.
import {
  backend_util,
  Concat,
  PadV2,
  Slice,
  slice_util,
  Tile,
  Transpose,
  util,
  type ConcatAttrs,
  type KernelConfig,
  type KernelFunc,
  type PadV2Attrs,
  type SliceAttrs,
  type TensorInfo,
  type TileAttrs,
  type TransposeAttrs,
} from '@tensorflow/tfjs-core';
import { BACKEND_NAME, type OneDnnBackend } from '../backend.js';
import { native } from '../native.js';
import { cpuKernel } from './fallback.js';
import { float32Data, sizeOf } from './native_util.js';

const config = (kernelName: string, kernelFunc: unknown): KernelConfig => ({
  kernelName,
  backendName: BACKEND_NAME,
  kernelFunc: kernelFunc as KernelFunc,
});

const cpuTile = cpuKernel(Tile);
export function tile(args: { inputs: { x: TensorInfo }; backend: OneDnnBackend; attrs: TileAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const data = float32Data(backend, x);
  const reps = [...attrs.reps];
  if (!data || reps.length !== x.shape.length) return cpuTile(args as never) as TensorInfo;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const y = backend.allocFloat32(sizeOf(outShape));
  native.tile(data[0], x.shape, reps, y);
  return backend.outputFloat32(y, outShape);
}

const cpuTranspose = cpuKernel(Transpose);
export function transpose(args: {
  inputs: { x: TensorInfo };
  backend: OneDnnBackend;
  attrs: TransposeAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const data = float32Data(backend, x);
  const perm = [...attrs.perm];
  if (!data || perm.length !== x.shape.length) return cpuTranspose(args as never) as TensorInfo;
  const outShape = perm.map((p) => x.shape[p]);
  const y = backend.allocFloat32(sizeOf(outShape));
  native.transpose(data[0], x.shape, perm, y);
  return backend.outputFloat32(y, outShape);
}

const cpuPadV2 = cpuKernel(PadV2);
export function padV2(args: { inputs: { x: TensorInfo }; backend: OneDnnBackend; attrs: PadV2Attrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const data = float32Data(backend, x);
  const paddings = attrs.paddings as Array<[number, number]>;
  if (!data || paddings.length !== x.shape.length || paddings.some(([a, b]) => a < 0 || b < 0)) {
    return cpuPadV2(args as never) as TensorInfo;
  }
  const outShape = x.shape.map((d, i) => paddings[i][0] + d + paddings[i][1]);
  const y = backend.allocFloat32(sizeOf(outShape));
  native.pad(
    data[0],
    x.shape,
    paddings.map((p) => p[0]),
    paddings.map((p) => p[1]),
    attrs.constantValue,
    y,
  );
  return backend.outputFloat32(y, outShape);
}

const cpuSlice = cpuKernel(Slice);
export function slice(args: { inputs: { x: TensorInfo }; backend: OneDnnBackend; attrs: SliceAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const data = float32Data(backend, x);
  if (!data) return cpuSlice(args as never) as TensorInfo;
  const [begin, size] = slice_util.parseSliceParams(x as never, attrs.begin, attrs.size);
  slice_util.assertParamsValid(x as never, begin, size);
  if (slice_util.isSliceContinous(x.shape, begin, size) || size.includes(0)) {
    return cpuSlice(args as never) as TensorInfo;
  }
  const y = backend.allocFloat32(sizeOf(size));
  native.slice(data[0], x.shape, begin, size, y);
  return backend.outputFloat32(y, size);
}

const cpuConcat = cpuKernel(Concat);
export function concat(args: { inputs: TensorInfo[]; backend: OneDnnBackend; attrs: ConcatAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const tensors = Object.values(inputs) as TensorInfo[];
  if (tensors.length === 0) return cpuConcat(args as never) as TensorInfo;
  const axis = util.parseAxisParam(attrs.axis, tensors[0].shape)[0];
  backend_util.assertParamsConsistent(
    tensors.map((t) => t.shape),
    axis,
  );
  const outShape = backend_util.computeOutShape(
    tensors.map((t) => t.shape),
    axis,
  );
  const nonEmpty = tensors.filter((t) => sizeOf(t.shape) > 0);
  const data = float32Data(backend, ...nonEmpty);
  if (!data || nonEmpty.length < 2) return cpuConcat(args as never) as TensorInfo;
  const outer = sizeOf(outShape.slice(0, axis));
  const inners = nonEmpty.map((t) => sizeOf(t.shape) / outer);
  const y = backend.allocFloat32(sizeOf(outShape));
  native.concat(data, inners, outer, y);
  return backend.outputFloat32(y, outShape);
}

export const tileConfig = config(Tile, tile);
export const transposeConfig = config(Transpose, transpose);
export const padV2Config = config(PadV2, padV2);
export const sliceConfig = config(Slice, slice);
export const concatConfig = config(Concat, concat);
