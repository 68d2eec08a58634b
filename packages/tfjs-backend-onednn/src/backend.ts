// The 'onednn' backend: the cpu backend's storage (tensor data in JS TypedArrays) plus pooled output buffers for the
// native kernels. Kernels without a native version are the cpu backend's own, reading the same arrays with no copy.
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { BackendValues, DataId, DataType, Tensor, TensorInfo, Variable } from '@tensorflow/tfjs-core';
import { totalmem } from 'node:os';
import { sgdMomentumInPlace } from './kernels/SgdMomentum.js';
import { BACKEND_NAME } from './name.js';
import type { SgdMomentumOptions } from './ops/sgd.js';
import { BufferPool } from './pool.js';

export { BACKEND_NAME };

export class OneDnnBackend extends MathBackendCPU {
  /**
   * Free buffers kept for reuse: up to an eighth of the machine's memory, at most 4 GiB. A plain tfjs-layers ResNet-20
   * step at batch 128 frees more than 1 GiB of outputs, and a smaller cap made every step allocate again.
   */
  readonly pool = new BufferPool(Math.min(totalmem() / 8, 4 * 2 ** 30));

  constructor() {
    super();
    // The cpu backend prints a "install tfjs-node" hint on first use; this backend is the fast Node one.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  override write(values: BackendValues, shape: number[], dtype: DataType): DataId {
    const dataId = super.write(values, shape, dtype);
    this.pool.retain(values);
    return dataId;
  }

  override move(dataId: DataId, values: BackendValues, shape: number[], dtype: DataType, refCount: number): void {
    super.move(dataId, values, shape, dtype, refCount);
    this.pool.escape(values);
  }

  override readSync(dataId: DataId): BackendValues {
    const values = super.readSync(dataId);
    // The cpu backend hands out its own array: user code may keep it, so it must never be recycled.
    this.pool.escape(this.data.get(dataId).values);
    return values;
  }

  override async read(dataId: DataId): Promise<BackendValues> {
    return this.readSync(dataId);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    if (!this.data.has(dataId)) return true;
    const values = this.data.get(dataId).values;
    const released = super.disposeData(dataId, force);
    if (released) this.pool.release(values);
    return released;
  }

  /** A fresh float32 output of `size` elements, from the pool. */
  allocFloat32(size: number): Float32Array {
    return this.pool.acquire(size);
  }

  /** Wraps a kernel's output array as a tensor of this backend. */
  outputFloat32(values: Float32Array, shape: number[]): TensorInfo {
    return { dataId: this.write(values, shape, 'float32'), shape, dtype: 'float32' };
  }

  /** The float32 data of a tensor, read in place. */
  float32(t: TensorInfo): Float32Array {
    const values = this.data.get(t.dataId).values;
    if (!(values instanceof Float32Array)) {
      throw new Error(`onednn: expected float32 data, got ${t.dtype} (${values?.constructor?.name})`);
    }
    return values;
  }

  /** True when a tensor is float32 and its data really is a Float32Array (not relabelled int32/bool data). */
  isFloat32Data(t: TensorInfo): boolean {
    return t.dtype === 'float32' && this.data.get(t.dataId).values instanceof Float32Array;
  }

  /** True when a tensor's buffer belongs to it alone, so an optimizer may update it in place. */
  canUpdateInPlace(t: TensorInfo): boolean {
    const values = this.data.get(t.dataId).values;
    return values instanceof Float32Array && this.refCount(t.dataId) === 1 && this.pool.isExclusive(values);
  }

  /** The fused momentum SGD step of ops/sgd.ts, in place on p and v (float32 data of this backend). */
  sgdMomentumInPlace(param: Variable, grad: Tensor, velocity: Variable, options: Required<SgdMomentumOptions>): void {
    sgdMomentumInPlace(this, param, grad, velocity, options);
  }
}
