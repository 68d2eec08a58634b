// AutoAugment (Cubuk et al. 2019, arXiv:1805.09501), RandAugment (Cubuk et al. 2020, arXiv:1909.13719) and
// TrivialAugment Wide (Müller & Hutter 2021, arXiv:2103.10158) as data: the sub-policy tables and the magnitude
// bins of torchvision 0.14 (`transforms/autoaugment.py`), and the one op dispatch they share.
import { argError } from '../check/index.js';
import { type Fill, type Image } from './image.js';
import * as ops from './ops.js';

export type AugmentOpName =
  | 'Identity'
  | 'ShearX'
  | 'ShearY'
  | 'TranslateX'
  | 'TranslateY'
  | 'Rotate'
  | 'Brightness'
  | 'Color'
  | 'Contrast'
  | 'Sharpness'
  | 'Posterize'
  | 'Solarize'
  | 'AutoContrast'
  | 'Equalize'
  | 'Invert';

/** One step of a sub-policy: [op, probability, magnitude bin (0–9) or null for ops without magnitude]. */
export type PolicyStep = readonly [AugmentOpName, number, number | null];
export type SubPolicy = readonly [PolicyStep, PolicyStep];
export type AutoAugmentPolicyName = 'imagenet' | 'cifar10' | 'svhn';

// Sub-policy tables: AutoAugment paper, appendix (as transcribed in torchvision 0.14 AutoAugment._get_policies).
export const AUTO_AUGMENT_POLICIES: Readonly<Record<AutoAugmentPolicyName, readonly SubPolicy[]>> = {
  imagenet: [
    [
      ['Posterize', 0.4, 8],
      ['Rotate', 0.6, 9],
    ],
    [
      ['Solarize', 0.6, 5],
      ['AutoContrast', 0.6, null],
    ],
    [
      ['Equalize', 0.8, null],
      ['Equalize', 0.6, null],
    ],
    [
      ['Posterize', 0.6, 7],
      ['Posterize', 0.6, 6],
    ],
    [
      ['Equalize', 0.4, null],
      ['Solarize', 0.2, 4],
    ],
    [
      ['Equalize', 0.4, null],
      ['Rotate', 0.8, 8],
    ],
    [
      ['Solarize', 0.6, 3],
      ['Equalize', 0.6, null],
    ],
    [
      ['Posterize', 0.8, 5],
      ['Equalize', 1.0, null],
    ],
    [
      ['Rotate', 0.2, 3],
      ['Solarize', 0.6, 8],
    ],
    [
      ['Equalize', 0.6, null],
      ['Posterize', 0.4, 6],
    ],
    [
      ['Rotate', 0.8, 8],
      ['Color', 0.4, 0],
    ],
    [
      ['Rotate', 0.4, 9],
      ['Equalize', 0.6, null],
    ],
    [
      ['Equalize', 0.0, null],
      ['Equalize', 0.8, null],
    ],
    [
      ['Invert', 0.6, null],
      ['Equalize', 1.0, null],
    ],
    [
      ['Color', 0.6, 4],
      ['Contrast', 1.0, 8],
    ],
    [
      ['Rotate', 0.8, 8],
      ['Color', 1.0, 2],
    ],
    [
      ['Color', 0.8, 8],
      ['Solarize', 0.8, 7],
    ],
    [
      ['Sharpness', 0.4, 7],
      ['Invert', 0.6, null],
    ],
    [
      ['ShearX', 0.6, 5],
      ['Equalize', 1.0, null],
    ],
    [
      ['Color', 0.4, 0],
      ['Equalize', 0.6, null],
    ],
    [
      ['Equalize', 0.4, null],
      ['Solarize', 0.2, 4],
    ],
    [
      ['Solarize', 0.6, 5],
      ['AutoContrast', 0.6, null],
    ],
    [
      ['Invert', 0.6, null],
      ['Equalize', 1.0, null],
    ],
    [
      ['Color', 0.6, 4],
      ['Contrast', 1.0, 8],
    ],
    [
      ['Equalize', 0.8, null],
      ['Equalize', 0.6, null],
    ],
  ],
  cifar10: [
    [
      ['Invert', 0.1, null],
      ['Contrast', 0.2, 6],
    ],
    [
      ['Rotate', 0.7, 2],
      ['TranslateX', 0.3, 9],
    ],
    [
      ['Sharpness', 0.8, 1],
      ['Sharpness', 0.9, 3],
    ],
    [
      ['ShearY', 0.5, 8],
      ['TranslateY', 0.7, 9],
    ],
    [
      ['AutoContrast', 0.5, null],
      ['Equalize', 0.9, null],
    ],
    [
      ['ShearY', 0.2, 7],
      ['Posterize', 0.3, 7],
    ],
    [
      ['Color', 0.4, 3],
      ['Brightness', 0.6, 7],
    ],
    [
      ['Sharpness', 0.3, 9],
      ['Brightness', 0.7, 9],
    ],
    [
      ['Equalize', 0.6, null],
      ['Equalize', 0.5, null],
    ],
    [
      ['Contrast', 0.6, 7],
      ['Sharpness', 0.6, 5],
    ],
    [
      ['Color', 0.7, 7],
      ['TranslateX', 0.5, 8],
    ],
    [
      ['Equalize', 0.3, null],
      ['AutoContrast', 0.4, null],
    ],
    [
      ['TranslateY', 0.4, 3],
      ['Sharpness', 0.2, 6],
    ],
    [
      ['Brightness', 0.9, 6],
      ['Color', 0.2, 8],
    ],
    [
      ['Solarize', 0.5, 2],
      ['Invert', 0.0, null],
    ],
    [
      ['Equalize', 0.2, null],
      ['AutoContrast', 0.6, null],
    ],
    [
      ['Equalize', 0.2, null],
      ['Equalize', 0.6, null],
    ],
    [
      ['Color', 0.9, 9],
      ['Equalize', 0.6, null],
    ],
    [
      ['AutoContrast', 0.8, null],
      ['Solarize', 0.2, 8],
    ],
    [
      ['Brightness', 0.1, 3],
      ['Color', 0.7, 0],
    ],
    [
      ['Solarize', 0.4, 5],
      ['AutoContrast', 0.9, null],
    ],
    [
      ['TranslateY', 0.9, 9],
      ['TranslateY', 0.7, 9],
    ],
    [
      ['AutoContrast', 0.9, null],
      ['Solarize', 0.8, 3],
    ],
    [
      ['Equalize', 0.8, null],
      ['Invert', 0.1, null],
    ],
    [
      ['TranslateY', 0.7, 9],
      ['AutoContrast', 0.9, null],
    ],
  ],
  svhn: [
    [
      ['ShearX', 0.9, 4],
      ['Invert', 0.2, null],
    ],
    [
      ['ShearY', 0.9, 8],
      ['Invert', 0.7, null],
    ],
    [
      ['Equalize', 0.6, null],
      ['Solarize', 0.6, 6],
    ],
    [
      ['Invert', 0.9, null],
      ['Equalize', 0.6, null],
    ],
    [
      ['Equalize', 0.6, null],
      ['Rotate', 0.9, 3],
    ],
    [
      ['ShearX', 0.9, 4],
      ['AutoContrast', 0.8, null],
    ],
    [
      ['ShearY', 0.9, 8],
      ['Invert', 0.4, null],
    ],
    [
      ['ShearY', 0.9, 5],
      ['Solarize', 0.2, 6],
    ],
    [
      ['Invert', 0.9, null],
      ['AutoContrast', 0.8, null],
    ],
    [
      ['Equalize', 0.6, null],
      ['Rotate', 0.9, 3],
    ],
    [
      ['ShearX', 0.9, 4],
      ['Solarize', 0.3, 3],
    ],
    [
      ['ShearY', 0.8, 8],
      ['Invert', 0.7, null],
    ],
    [
      ['Equalize', 0.9, null],
      ['TranslateY', 0.6, 6],
    ],
    [
      ['Invert', 0.9, null],
      ['Equalize', 0.6, null],
    ],
    [
      ['Contrast', 0.3, 3],
      ['Rotate', 0.8, 4],
    ],
    [
      ['Invert', 0.8, null],
      ['TranslateY', 0.0, 2],
    ],
    [
      ['ShearY', 0.7, 6],
      ['Solarize', 0.4, 8],
    ],
    [
      ['Invert', 0.6, null],
      ['Rotate', 0.8, 4],
    ],
    [
      ['ShearY', 0.3, 7],
      ['TranslateX', 0.9, 3],
    ],
    [
      ['ShearX', 0.1, 6],
      ['Invert', 0.6, null],
    ],
    [
      ['Solarize', 0.7, 2],
      ['TranslateY', 0.6, 7],
    ],
    [
      ['ShearY', 0.8, 4],
      ['Invert', 0.8, null],
    ],
    [
      ['ShearX', 0.7, 9],
      ['TranslateY', 0.8, 3],
    ],
    [
      ['ShearY', 0.8, 5],
      ['AutoContrast', 0.7, null],
    ],
    [
      ['ShearX', 0.7, 2],
      ['Invert', 0.1, null],
    ],
  ],
};

const f32 = Math.fround;

/**
 * torch.linspace(start, end, steps) in float32, bit for bit as torch 1.13's AVX2 CPU kernel computes it
 * (RangeFactoriesKernel.cpp + Loops.h; checked against torch for 10/31/5/100 steps): step = (end - start) /
 * (steps - 1); blocks of 16 made of two 8-lane vectors, each starting at `start + step·idx` (first half) or
 * `end - step·(steps - idx - 1)` (second half; these two are fused multiply-adds) and continuing as
 * `base + k·step`; the tail is computed element by element with the fused formulas.
 */
export function linspace32(start: number, end: number, steps: number): number[] {
  const s = f32(start),
    e = f32(end);
  if (steps === 1) return [s];
  const step = f32(f32(e - s) / (steps - 1));
  const half = Math.floor(steps / 2);
  // step·idx is exact in double, so one rounding to float32 emulates the fused multiply-add
  const at = (idx: number) => (idx < half ? f32(s + step * idx) : f32(e - step * (steps - idx - 1)));
  const out: number[] = [];
  let idx = 0;
  while (idx + 16 <= steps) {
    for (let v = 0; v < 2; v++, idx += 8) {
      const base = at(idx);
      for (let k = 0; k < 8; k++) out.push(k === 0 ? base : f32(base + f32(k * step)));
    }
  }
  for (; idx < steps; idx++) out.push(at(idx));
  return out;
}

/** Posterize bins: 8 - round(arange(n) / ((n - 1) / k)), computed in float32 as torchvision does. */
function posterizeBins(n: number, k: number): number[] {
  const d = f32((n - 1) / k);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const q = f32(i / d);
    const r = Math.round(q);
    out.push(8 - (r - q === 0.5 && (r & 1) === 1 ? r - 1 : r));
  }
  return out;
}

/** An op's magnitudes (one per bin; empty for ops without magnitude) and whether its sign is random. */
export interface OpSpace {
  magnitudes: readonly number[];
  signed: boolean;
}
export type AugmentationSpace = ReadonlyArray<readonly [AugmentOpName, OpSpace]>;

const none: OpSpace = { magnitudes: [], signed: false };

/**
 * The magnitude bins shared by AutoAugment (10 bins) and RandAugment (31 bins): shear 0–0.3, translate
 * 0–150/331 of the axis it moves along (x: width, y: height), rotate 0–30°, enhance 0–0.9, posterize 8→4 bits,
 * solarize 255→0 (torchvision `_augmentation_space`). `identity` adds RandAugment's Identity op first;
 * `invert` adds AutoAugment's Invert last.
 */
export function standardSpace(
  bins: number,
  height: number,
  width: number,
  variant: 'auto' | 'rand',
): AugmentationSpace {
  const enh = linspace32(0, 0.9, bins);
  const space: [AugmentOpName, OpSpace][] = [];
  if (variant === 'rand') space.push(['Identity', none]);
  space.push(
    ['ShearX', { magnitudes: linspace32(0, 0.3, bins), signed: true }],
    ['ShearY', { magnitudes: linspace32(0, 0.3, bins), signed: true }],
    ['TranslateX', { magnitudes: linspace32(0, (150 / 331) * width, bins), signed: true }],
    ['TranslateY', { magnitudes: linspace32(0, (150 / 331) * height, bins), signed: true }],
    ['Rotate', { magnitudes: linspace32(0, 30, bins), signed: true }],
    ['Brightness', { magnitudes: enh, signed: true }],
    ['Color', { magnitudes: enh, signed: true }],
    ['Contrast', { magnitudes: enh, signed: true }],
    ['Sharpness', { magnitudes: enh, signed: true }],
    ['Posterize', { magnitudes: posterizeBins(bins, 4), signed: false }],
    ['Solarize', { magnitudes: linspace32(255, 0, bins), signed: false }],
    ['AutoContrast', none],
    ['Equalize', none],
  );
  if (variant === 'auto') space.push(['Invert', none]);
  return space;
}

/** TrivialAugment Wide bins: shear 0–0.99, translate 0–32 px, rotate 0–135°, enhance 0–0.99, posterize 8→2 bits. */
export function wideSpace(bins: number): AugmentationSpace {
  const enh = linspace32(0, 0.99, bins);
  return [
    ['Identity', none],
    ['ShearX', { magnitudes: linspace32(0, 0.99, bins), signed: true }],
    ['ShearY', { magnitudes: linspace32(0, 0.99, bins), signed: true }],
    ['TranslateX', { magnitudes: linspace32(0, 32, bins), signed: true }],
    ['TranslateY', { magnitudes: linspace32(0, 32, bins), signed: true }],
    ['Rotate', { magnitudes: linspace32(0, 135, bins), signed: true }],
    ['Brightness', { magnitudes: enh, signed: true }],
    ['Color', { magnitudes: enh, signed: true }],
    ['Contrast', { magnitudes: enh, signed: true }],
    ['Sharpness', { magnitudes: enh, signed: true }],
    ['Posterize', { magnitudes: posterizeBins(bins, 6), signed: false }],
    ['Solarize', { magnitudes: linspace32(255, 0, bins), signed: false }],
    ['AutoContrast', none],
    ['Equalize', none],
  ];
}

/** Applies one op with a signed magnitude exactly as torchvision's `_apply_op` (nearest interpolation). */
export function applyOp(img: Image, op: AugmentOpName, magnitude: number, fill?: Fill): Image {
  switch (op) {
    case 'Identity':
      return img;
    case 'ShearX':
      return ops.shearX(img, magnitude, fill);
    case 'ShearY':
      return ops.shearY(img, magnitude, fill);
    case 'TranslateX':
      return ops.translateX(img, Math.trunc(magnitude), fill);
    case 'TranslateY':
      return ops.translateY(img, Math.trunc(magnitude), fill);
    case 'Rotate':
      return ops.rotate(img, magnitude, fill);
    case 'Brightness':
      return ops.brightness(img, 1 + magnitude);
    case 'Color':
      return ops.color(img, 1 + magnitude);
    case 'Contrast':
      return ops.contrast(img, 1 + magnitude);
    case 'Sharpness':
      return ops.sharpness(img, 1 + magnitude);
    case 'Posterize':
      return ops.posterize(img, Math.trunc(magnitude));
    case 'Solarize':
      return ops.solarize(img, magnitude);
    case 'AutoContrast':
      return ops.autoContrast(img);
    case 'Equalize':
      return ops.equalize(img);
    case 'Invert':
      return ops.invert(img);
    default:
      throw argError('augment.applyOp', 'op', 'an AutoAugment op name', op);
  }
}
