// What the classify page does to a picture before the model sees it, mirroring `trickbox predict` (which uses sharp).
import * as tf from '@tensorflow/tfjs';
import type { Preprocessing } from '../src/browser/preprocessing.js';

export type { Preprocessing };

export async function loadImage(url: string): Promise<HTMLImageElement> {
  const img = new Image();
  img.src = url;
  try {
    await img.decode();
  } catch {
    throw new Error(`cannot decode the image at ${url.startsWith('data:') ? 'the data URL' : url}`);
  }
  return img;
}

/** Draws the picture at the model's input size (stretched, as sharp's fit: 'fill') and returns its RGBA pixels. */
export function resizeToInput(img: HTMLImageElement, p: Preprocessing, canvas: HTMLCanvasElement): ImageData {
  canvas.width = p.width;
  canvas.height = p.height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('this browser gives no 2-D canvas');
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.clearRect(0, 0, p.width, p.height);
  ctx.drawImage(img, 0, 0, p.width, p.height);
  const pixels = ctx.getImageData(0, 0, p.width, p.height);
  if (p.channels === 1) {
    // Show the grey image the model gets.
    const d = pixels.data;
    for (let i = 0; i < d.length; i += 4) d[i] = d[i + 1] = d[i + 2] = grey(d[i]!, d[i + 1]!, d[i + 2]!);
    ctx.putImageData(pixels, 0, 0);
  }
  return pixels;
}

/** Rec. 601 luma; equal R, G and B (a grey picture) give back that value exactly. */
function grey(r: number, g: number, b: number): number {
  return Math.round(0.299 * r + 0.587 * g + 0.114 * b);
}

/** (pixel/255 − mean)/std per channel, NHWC, batch of one. */
export function toInputTensor(pixels: ImageData, p: Preprocessing): tf.Tensor4D {
  const { height, width, channels, mean, std } = p;
  const x = new Float32Array(height * width * channels);
  const d = pixels.data;
  for (let i = 0, o = 0; i < d.length; i += 4) {
    for (let c = 0; c < channels; c++, o++) x[o] = (d[i + c]! / 255 - mean[c]!) / std[c]!;
  }
  return tf.tensor4d(x, [1, height, width, channels]);
}

export function describe(p: Preprocessing): string {
  const f = (v: number[]): string => v.map((n) => n.toFixed(4)).join(', ');
  return (
    `resized to ${p.width}×${p.height} (stretched), ${p.channels === 1 ? 'greyscale (Rec. 601 luma)' : 'RGB'}, ` +
    `then x = (pixel/255 − [${f(p.mean)}]) / [${f(p.std)}], NHWC`
  );
}
