// The transform registry: the rows a recipe's `augment` list chooses from, each with the schema of its `options`,
// a one-line doc and the reference. The loader's worker threads build the same rows; a user's row that names an ES
// module (`module`) is imported there too (docs/architecture.md, "A user transform in the loader's workers").
import { pathToFileURL } from 'node:url';
import { Type, type TProperties, type TSchema } from '@sinclair/typebox';
import * as augment from '../augment/index.js';
import type { Image, SampleInfo } from '../augment/image.js';
import { Registry, type RegistryRow } from '../registry/index.js';
import type { Rng } from '../rng/index.js';

export type SampleTransform = (img: Image, rng: Rng, sample?: SampleInfo) => Image;
/** Builds the transform from a recipe entry's `options` (undefined when the entry has none). */
export type TransformBuild = (options: Record<string, unknown> | undefined) => SampleTransform;

export interface TransformRow extends RegistryRow<TransformBuild> {
  /**
   * An ES module (a `file:` URL such as `import.meta.url`, or a file path) whose default export is this row. Worker
   * threads start without the main thread's registrations: they import this module to get the row.
   */
  module?: string;
}

const n = (options: { minimum?: number; maximum?: number; description?: string; default?: number } = {}) =>
  Type.Number(options);
const pair = (item: TSchema, description: string, dflt?: readonly number[]) =>
  Type.Array(item, { minItems: 2, maxItems: 2, description, ...(dflt ? { default: [...dflt] } : {}) });
const numberOrPair = (single: TSchema, pairItem: TSchema, description: string) =>
  Type.Unsafe<number | [number, number]>({ oneOf: [single, pair(pairItem, '[min, max]')], description });

const p = (dflt: number) => n({ minimum: 0, maximum: 1, default: dflt, description: 'probability of applying' });
const size = Type.Unsafe<number | [number, number]>({
  oneOf: [Type.Integer({ minimum: 1 }), pair(Type.Integer({ minimum: 1 }), '[height, width]')],
  description: 'output size: square, or [height, width]',
});
const pixel = n({ minimum: 0, maximum: 255 });
const fill = Type.Unsafe<number | number[]>({
  oneOf: [pixel, Type.Array(pixel, { minItems: 1, maxItems: 3 })],
  description: 'pixel value (0–255) of uncovered pixels: one, or one per channel; default 0',
});
const eraseFill = Type.Unsafe<'mean' | 'random' | number | number[]>({
  oneOf: [{ enum: ['mean', 'random'] }, pixel, Type.Array(pixel, { minItems: 1, maxItems: 3 })],
  description: "pixel-space fill: 'mean' (of `mean`), 'random' (uniform 0–255 per value), or pixel values",
});
const meanPixel = Type.Array(pixel, {
  minItems: 1,
  maxItems: 3,
  description: "mean pixel (0–255 per channel) for fill 'mean'; default the CIFAR-10 mean × 255 (Zhong et al.)",
});
const opFill = { fill: { ...fill, description: 'pixel value (0–255) of pixels the geometric ops uncover' } };
const bins = Type.Integer({ minimum: 2, default: 31, description: 'magnitude bins (torchvision: 31)' });

/** `augment.<factory>(options)`, called with no argument when the recipe entry has no options (as before). */
const call =
  (factory: (o?: never) => SampleTransform): TransformBuild =>
  (o) =>
    o === undefined ? factory() : factory(o as never);

const row = (name: string, doc: string, reference: string, fields: TProperties): TransformRow => ({
  name,
  doc,
  reference,
  fields,
  build: call((augment as unknown as Record<string, (o?: never) => SampleTransform>)[name]!),
});

/** The built-in rows, in the order of docs/augment.md. */
export const transformRegistry = new Registry<TransformBuild, TransformRow>(
  'transform',
  [
    row('randomCrop', 'pad, then crop a uniformly placed window', 'He et al. 2016 §4.2; torchvision RandomCrop', {
      size,
      padding: Type.Unsafe<number | number[]>({
        oneOf: [Type.Integer({ minimum: 0 }), Type.Array(Type.Integer({ minimum: 0 }), { minItems: 2, maxItems: 4 })],
        default: 0,
        description: 'zero padding on every side, [left/right, top/bottom] or [left, top, right, bottom]',
      }),
      fill: { ...fill, description: 'pixel value of the padding (0–255), one or one per channel' },
      padIfNeeded: Type.Boolean({ default: false, description: 'pad images smaller than `size` up to it' }),
    }),
    row(
      'randomResizedCrop',
      'a crop of random area and aspect ratio (10 attempts, else the centre), resized to `size`',
      'Szegedy et al. 2015; torchvision RandomResizedCrop',
      {
        size,
        scale: pair(n({ minimum: 0 }), 'crop area as a fraction of the image', [0.08, 1]),
        ratio: pair(n({ minimum: 0 }), 'aspect ratio w/h, sampled log-uniformly', [3 / 4, 4 / 3]),
        antialias: Type.Boolean({ default: true, description: 'antialiased bilinear resize (PIL, torchvision)' }),
      },
    ),
    row('randomHorizontalFlip', 'mirror left-right', 'torchvision RandomHorizontalFlip', { p: p(0.5) }),
    row(
      'alternatingFlip',
      'derandomised horizontal flip: each image mirrored in every other epoch, from a coin of its own in epoch 0',
      'Jordan 2024 (airbench)',
      {},
    ),
    row('randomVerticalFlip', 'mirror top-bottom', 'torchvision RandomVerticalFlip', { p: p(0.5) }),
    row('randomRotation', 'rotate by a uniform angle, nearest neighbour', 'torchvision RandomRotation', {
      degrees: numberOrPair(
        n({ minimum: 0, maximum: 360 }),
        n({ minimum: -360, maximum: 360 }),
        'angle range: [-degrees, degrees], or [min, max]',
      ),
      ...opFill,
    }),
    row('colorJitter', 'brightness, contrast, saturation and hue in random order', 'torchvision ColorJitter', {
      brightness: numberOrPair(n({ minimum: 0 }), n({ minimum: 0 }), 'factor in [max(0, 1 − b), 1 + b], or [min, max]'),
      contrast: numberOrPair(n({ minimum: 0 }), n({ minimum: 0 }), 'factor in [max(0, 1 − c), 1 + c], or [min, max]'),
      saturation: numberOrPair(n({ minimum: 0 }), n({ minimum: 0 }), 'factor in [max(0, 1 − s), 1 + s], or [min, max]'),
      hue: numberOrPair(
        n({ minimum: 0, maximum: 0.5 }),
        n({ minimum: -0.5, maximum: 0.5 }),
        'shift in [−h, h] turns, or [min, max]',
      ),
    }),
    row(
      'pcaLighting',
      "AlexNet's lighting noise along the principal components of the pixels",
      'Krizhevsky et al. 2012 §4.1; fb.resnet.torch',
      {
        alphaStd: n({ minimum: 0, default: 0.1, description: 'standard deviation of α; 0 turns it off' }),
        eigval: Type.Array(n({ minimum: 0 }), {
          minItems: 1,
          maxItems: 3,
          description: "eigenvalues of the pixel covariance (pixels in [0, 1]); default ImageNet's",
        }),
        eigvec: Type.Array(Type.Array(Type.Number()), {
          description: "eigenvectors as columns; default ImageNet's",
        }),
      },
    ),
    row('cutout', '`holes` squares of side `length` filled, centred anywhere', 'DeVries & Taylor 2017', {
      holes: Type.Integer({ minimum: 0, default: 1, description: 'number of squares' }),
      length: Type.Integer({ minimum: 0, default: 16, description: 'side in pixels; spans length//2 each side' }),
      fill: { ...eraseFill, description: `${eraseFill.description}; default 0` },
      mean: meanPixel,
      p: p(1),
    }),
    row(
      'randomErasing',
      'a rectangle of random area and aspect ratio filled, with probability p',
      'Zhong et al. 2020, Alg. 1; torchvision RandomErasing (preset)',
      {
        preset: Type.Unsafe<'zhong' | 'torchvision'>({
          enum: ['zhong', 'torchvision'],
          default: 'zhong',
          description: "the other fields' defaults: the paper's code, or torchvision's",
        }),
        p: p(0.5),
        scale: pair(
          n({ minimum: 0, maximum: 1 }),
          'erased area / image area: zhong [0.02, 0.4], torchvision [0.02, 0.33]',
        ),
        ratio: pair(n({ minimum: 0 }), 'aspect ratio h/w: zhong [0.3, 1/0.3], torchvision [0.3, 3.3]'),
        ratioSampling: Type.Unsafe<'uniform' | 'log'>({
          enum: ['uniform', 'log'],
          description: 'how the ratio is drawn: zhong uniform, torchvision log',
        }),
        attempts: Type.Integer({ minimum: 1, description: 'attempts before giving up: zhong 100, torchvision 10' }),
        fill: { ...eraseFill, description: `${eraseFill.description}; zhong 'mean', torchvision 0` },
        mean: meanPixel,
      },
    ),
    row(
      'autoAugment',
      'one of the learned sub-policies per image (two ops each)',
      'Cubuk et al. 2019; torchvision AutoAugment',
      {
        policy: Type.Unsafe<'imagenet' | 'cifar10' | 'svhn'>({
          enum: ['imagenet', 'cifar10', 'svhn'],
          default: 'imagenet',
          description: 'the learned policy',
        }),
        ...opFill,
      },
    ),
    row(
      'randAugment',
      '`n` ops chosen uniformly, all at magnitude bin `m`',
      'Cubuk et al. 2020; torchvision RandAugment',
      {
        n: Type.Integer({ minimum: 0, default: 2, description: 'ops per image' }),
        m: Type.Integer({ minimum: 0, default: 9, description: 'magnitude bin, below `bins`' }),
        bins,
        ...opFill,
      },
    ),
    row(
      'trivialAugment',
      'one op chosen uniformly at a uniform magnitude bin (Wide space)',
      'Müller & Hutter 2021; torchvision TrivialAugmentWide',
      { bins, ...opFill },
    ),
  ],
  'own',
);

/**
 * Adds a transform a recipe can name in `augment`; `fields` is the schema of its `options`. With data.workers > 0 it
 * must name the module that exports it (`module: import.meta.url`), which each worker thread imports.
 */
export function registerTransform(row: TransformRow): void {
  transformRegistry.register(row);
}

/** Registers the default export of `module` (a worker's import of a user row); a row already there is kept. */
export async function importTransformRow(module: string): Promise<void> {
  const url = /^[a-z][a-z0-9+.-]*:/i.test(module) ? module : pathToFileURL(module).href;
  const exported = ((await import(url)) as { default?: TransformRow }).default;
  if (!exported || typeof exported.name !== 'string' || typeof exported.build !== 'function')
    throw new Error(`transform module ${module}: its default export must be a transform row { name, build, … }`);
  if (!transformRegistry.names().includes(exported.name)) transformRegistry.register(exported);
}
