// Classifying a decoded image with a saved model: normalise with its stored preprocessing, softmax, the top k
// classes (`trickbox predict`).
import * as tf from '@tensorflow/tfjs';
import type { Preprocessing } from './modelio.js';

export interface ClassProbability {
  class: string;
  probability: number;
}

/** `(p/255 − mean[c]) / std[c]` per value of an HWC image (the preprocessing's convention), as float32. */
export function normalizePixels(raw: Uint8Array, p: Preprocessing): Float32Array {
  const x = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) x[i] = (raw[i] / 255 - p.mean[i % p.channels]) / p.std[i % p.channels];
  return x;
}

/** The `top` most probable classes of a decoded image (HWC bytes at the preprocessing's size). */
export async function classifyPixels(
  model: tf.LayersModel,
  raw: Uint8Array,
  p: Preprocessing,
  top: number,
): Promise<ClassProbability[]> {
  const x = normalizePixels(raw, p);
  const probs = tf.tidy(() =>
    tf.softmax(model.predict(tf.tensor4d(x, [1, p.height, p.width, p.channels])) as tf.Tensor2D),
  );
  const pr = Array.from(await probs.data());
  probs.dispose();
  return pr
    .map((v, k) => ({ class: p.classNames[k] ?? String(k), probability: v }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, top);
}
