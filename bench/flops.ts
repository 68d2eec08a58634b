// FLOP count of a tfjs-layers model's training and inference step, from its layers (docs/benchmarks.md, "FLOP count
// and fraction of peak"). A layer with a 4-D kernel weight [kh, kw, cin, cout] is a convolution, one with a 2-D
// kernel [in, out] a dense layer; a multiply-add counts 2 FLOPs. Element-wise work (batch norm, ReLU, residual adds,
// pooling, the loss, the optimizer) is not counted: ~1–2% of the FLOPs of a ResNet, and memory-bound.
import type * as tfTypes from '@tensorflow/tfjs';

export interface LayerFlops {
  name: string;
  /** Forward FLOPs per image. */
  forward: number;
  /** Whether the step computes this layer's input gradient (not for a layer reading the model's input). */
  needsInputGrad: boolean;
}

export interface StepFlops {
  /** Per image: forward pass (inference). */
  inferPerImage: number;
  /** Per image: forward + backward-data (every layer but those reading the model's input) + backward-weights. */
  trainPerImage: number;
  layers: LayerFlops[];
}

function kernelShape(layer: tfTypes.layers.Layer): number[] | undefined {
  const kernel = layer.weights.find((w) => /kernel/.test(w.originalName) || /kernel/.test(w.name));
  return kernel?.shape as number[] | undefined;
}

export function stepFlops(model: tfTypes.LayersModel): StepFlops {
  const inputs = new Set(model.inputs);
  const layers: LayerFlops[] = [];
  for (const layer of model.layers) {
    const k = kernelShape(layer);
    if (!k) continue;
    const out = layer.outputShape as (number | null)[];
    let forward: number;
    if (k.length === 4) {
      // Output pixels × (kh·kw·cin) multiply-adds per output channel.
      const [kh, kw, cin, cout] = k;
      forward = 2 * (out[1] ?? 0) * (out[2] ?? 0) * kh * kw * cin * cout;
    } else if (k.length === 2) {
      forward = 2 * k[0] * k[1];
    } else continue;
    const input = layer.input;
    const reads = Array.isArray(input) ? input : [input];
    layers.push({ name: layer.name, forward, needsInputGrad: !reads.some((t) => inputs.has(t)) });
  }
  const inferPerImage = layers.reduce((a, l) => a + l.forward, 0);
  // Backward-weights costs one forward, backward-data another (same multiply-adds, transposed).
  const trainPerImage = layers.reduce((a, l) => a + l.forward * (l.needsInputGrad ? 3 : 2), 0);
  return { inferPerImage, trainPerImage, layers };
}
