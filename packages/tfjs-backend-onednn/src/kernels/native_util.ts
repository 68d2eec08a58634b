import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { OneDnnBackend } from '../backend.js';

/**
 * The Float32Array data of each tensor, or null when one is not float32 or does not hold a Float32Array (the cpu
 * backend's Cast from int32/bool to float32 keeps the Int32Array/Uint8Array data and only relabels the dtype; the
 * native Cast of this backend converts, but tensors may come from elsewhere): the caller then uses the cpu kernel.
 */
export function float32Data(backend: OneDnnBackend, ...tensors: TensorInfo[]): Float32Array[] | null {
  const out: Float32Array[] = [];
  for (const t of tensors) {
    if (t.dtype !== 'float32') return null;
    const values = backend.data.get(t.dataId).values;
    if (!(values instanceof Float32Array)) return null;
    out.push(values);
  }
  return out;
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
