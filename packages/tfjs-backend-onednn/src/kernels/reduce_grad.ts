// Gradients of Sum and Mean without a materialised ones tensor. tfjs-core computes them as dy · ones(x.shape) (and / n
// for Mean), filling the ones in a JS loop into a fresh, unpooled array: in a training step of a plain tfjs-layers
// ResNet that loop and its garbage cost more than the native kernels around it. Here: reshape dy to keep the reduced
// axes, divide by n first for Mean (dy / n element for element, as tfjs does after the product with 1), and broadcast
// with Tile (native). The values are identical to tfjs-core's on every backend, so these configs replace its ones.
import {
  broadcastTo,
  cast,
  div,
  Mean,
  reshape,
  Sum,
  util,
  type GradConfig,
  type NamedAttrMap,
  type Tensor,
} from '@tensorflow/tfjs-core';

/** dy reshaped to x's rank with the reduced axes kept as 1 (the shape tfjs-core's gradients use). */
function expandDy(dy: Tensor, x: Tensor, axis: number | number[]): Tensor {
  const shape = x.shape.slice();
  for (const a of util.parseAxisParam(axis, x.shape)) shape[a] = 1;
  return reshape(dy, shape);
}

export const sumGradConfig: GradConfig = {
  kernelName: Sum,
  inputsToSave: ['x'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [x] = saved;
    // tfjs-core: mul(expandedDy, ones(x.shape, 'float32')), i.e. dy as float32, broadcast.
    const derX = broadcastTo(cast(expandDy(dy as Tensor, x, attrs.axis as number[]), 'float32'), x.shape);
    return { x: () => derX };
  },
};

export const meanGradConfig: GradConfig = {
  kernelName: Mean,
  inputsToSave: ['x'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [x] = saved;
    const axes = util.parseAxisParam(attrs.axis as number[], x.shape);
    const reduceSize = axes.reduce((n, a) => n * x.shape[a], 1);
    // tfjs-core: div(mul(expandedDy, ones(x.shape, 'float32')), reduceSize).
    return { x: () => broadcastTo(div(expandDy(dy as Tensor, x, axes), reduceSize), x.shape) };
  },
};

export const reductionGradConfigs: GradConfig[] = [sumGradConfig, meanGradConfig];
