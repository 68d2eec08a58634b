// The trainer plug-in of patch whitening (init/whitening.ts): before the first step it sets the stem convolution's
// kernel to the whitening filters of a seeded sample of training images and its bias to zero; optionally it then
// holds the stem's bias fixed from epoch `biasEpochs` on (airbench trains it for 3 epochs only).
import * as tf from '@tensorflow/tfjs';
import { Shown, argError, checkNumber } from '../check/index.js';
import type { TrainPlugin, TrainingImages } from '../plugin/index.js';
import { Rng } from '../rng/index.js';
import { patchWhitening } from './whitening.js';

export interface WhiteningPluginOptions {
  /** The stem convolution's layer name (speednet's is 'whiten'). */
  layer: string;
  /** Training images the statistics come from (all when fewer). airbench: 5000. */
  samples: number;
  /** ε of v / √(λ + ε). airbench: 5e-4. */
  eps: number;
  /** From this epoch (0-based) on the stem's bias is held at its value; null: never held. airbench: 3. */
  biasEpochs: number | null;
}

/**
 * The indices of `samples` of `count` images, drawn without replacement from a child stream of `new Rng(seed)` (not
 * the stream the model's initialisers draw from), in increasing order.
 */
export function whiteningSample(count: number, samples: number, seed: number): Int32Array {
  if (samples >= count) return Int32Array.from({ length: count }, (_, i) => i);
  return new Rng(seed).split().permutation(count).slice(0, samples).sort();
}

function sampleImages(images: TrainingImages, indices: Int32Array): TrainingImages {
  const size = images.height * images.width * images.channels;
  const pixels = new Uint8Array(indices.length * size);
  indices.forEach((i, n) => pixels.set(images.pixels.subarray(i * size, (i + 1) * size), n * size));
  return { ...images, pixels, count: indices.length };
}

export function whiteningPlugin(options: WhiteningPluginOptions): TrainPlugin {
  const fn = 'whitening';
  checkNumber(fn, 'samples', options.samples, { integer: true, min: 1 });
  checkNumber(fn, 'eps', options.eps, { min: 0, minOpen: true });
  if (options.biasEpochs !== null) checkNumber(fn, 'biasEpochs', options.biasEpochs, { integer: true, min: 0 });
  let bias: tf.LayerVariable | undefined;
  let held: tf.Tensor | undefined;
  const hold = () => {
    held?.dispose();
    held = tf.keep(bias!.read().clone());
  };
  return {
    name: 'whitening',
    beforeFit({ model, trainingImages, seed }) {
      const layer = model.layers.find((l) => l.name === options.layer);
      const kernel = layer?.weights.find((w) => w.originalName === `${options.layer}/kernel`);
      bias = layer?.weights.find((w) => w.originalName === `${options.layer}/bias`);
      if (!layer || layer.getClassName() !== 'Conv2D' || !kernel)
        throw argError(fn, 'layer', `the name of a Conv2D layer of the model (speednet's is 'whiten')`, options.layer);
      if (!trainingImages) throw new Error('whitening: beforeFit needs info.trainingImages (the trainer passes them)');
      const k = kernel.shape[0]!;
      const sample = sampleImages(trainingImages, whiteningSample(trainingImages.count, options.samples, seed));
      const w = patchWhitening(sample, k, options.eps);
      if (kernel.shape.join() !== w.kernelShape.join() || kernel.shape[1] !== k)
        throw argError(
          fn,
          'layer',
          `a ${k}x${k} convolution of the images with ${w.kernelShape[3]} filters (2·k²·channels) for these images`,
          new Shown(`'${options.layer}' with kernel [${kernel.shape.join(', ')}]`),
        );
      tf.tidy(() => {
        kernel.write(tf.tensor(w.kernel, w.kernelShape));
        bias?.write(tf.zerosLike(bias.read()));
      });
      if (options.biasEpochs === 0 && bias) hold();
    },
    afterStep() {
      if (held) bias!.write(held);
    },
    afterEpoch(metrics) {
      if (bias && !held && options.biasEpochs !== null && metrics.epoch >= options.biasEpochs) hold();
    },
    getState() {
      return held ? { json: { held: true }, tensors: [{ name: 'bias', tensor: held }] } : { json: { held: false } };
    },
    setState({ json, tensors = [] }) {
      if (!(json as { held: boolean }).held) return;
      held?.dispose();
      held = tf.keep(tensors.find((t) => t.name === 'bias')!.tensor.clone());
    },
    dispose() {
      held?.dispose();
      held = undefined;
    },
  };
}
