// Test-time augmentation by translation, as fast CIFAR trainers use it (Page 2018, "How to train your ResNet";
// Jordan 2024, airbench): the prediction is the mean softmax of the image and its four shifts by k pixels (up, down,
// left, right), the pixels shifted in taken by reflection at the border.
import * as tf from '@tensorflow/tfjs';
import type { TrainPlugin } from '../plugin/index.js';

/** The five views of a batch [B, H, W, C]: unshifted, then shifted by k pixels down, up, right and left. */
export function translatedViews(x: tf.Tensor4D, k: number): tf.Tensor4D[] {
  const [, h, w] = x.shape;
  if (!Number.isInteger(k) || k < 1 || k >= h || k >= w)
    throw new Error(
      `tta.translate: shift must be an integer in [1, ${Math.min(h, w) - 1}] for ${h}x${w} images, got ${k}`,
    );
  const padded = tf.mirrorPad(
    x,
    [
      [0, 0],
      [k, k],
      [k, k],
      [0, 0],
    ],
    'reflect',
  );
  // a view shifted by (dy, dx) reads the padded batch from (k - dy, k - dx)
  const at = (dy: number, dx: number) => tf.slice(padded, [0, k - dy, k - dx, 0], [-1, h, w, -1]) as tf.Tensor4D;
  return [x, at(k, 0), at(-k, 0), at(0, k), at(0, -k)];
}

export function translateTtaPlugin(opts: { shift: number }): TrainPlugin {
  return {
    name: 'translateTta',
    inference: (x, next) => {
      const views = translatedViews(x, opts.shift).map((v) => next(v));
      return tf.div(tf.addN(views), views.length) as tf.Tensor2D;
    },
  };
}
