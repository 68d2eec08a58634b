// The model registry: the rows a recipe's `model.name` chooses from (timm-style names and the constructors), each
// with the schema of its `model.options` (the constructor's options, defaults and descriptions from the model's
// file), a one-line doc and the reference. A row with a fixed architecture (resnet20, wrn_28_10) has no depth.
import type { TProperties } from '@sinclair/typebox';
import type * as tf from '@tensorflow/tfjs';
import { Registry, type RegistryRow } from '../registry/index.js';
import type { InputShape, ModelInputs } from './common.js';
import { resnet, resnetFields, type ResNetOptions } from './resnet.js';
import { simpleCnn, simpleCnnFields, type SimpleCnnOptions } from './simple_cnn.js';
import { wideResnet, wideResnetFields, type WideResNetOptions } from './wide_resnet.js';

/** What a row's constructor gets: the data's shape, classes and seed, and the recipe's `model.options`. */
export type ModelArgs = ModelInputs & { [option: string]: unknown };
export type ModelBuild = (args: ModelArgs) => tf.LayersModel;
export type ModelRow = RegistryRow<ModelBuild>;
import { speednet, speednetFields, type SpeedNetOptions } from './speednet.js';

export interface ModelSpec {
  name: string;
  inputShape: InputShape;
  numClasses: number;
  [option: string]: unknown;
}

function without<P extends TProperties>(fields: P, ...names: string[]): TProperties {
  return Object.fromEntries(Object.entries(fields).filter(([k]) => !names.includes(k)));
}

const RESNET_REF = 'He et al. 2016 §4.2; ResNet-D and zero-γ: Bag of Tricks §4.1, §3.1';
const fixedResnet = without(resnetFields, 'depth', 'variant');
const cifarResnet = (depth: number, params: string): ModelRow => ({
  name: `resnet${depth}`,
  doc: `ResNet-${depth} for small images (${params} parameters at 10 classes)`,
  reference: RESNET_REF,
  fields: fixedResnet,
  build: (a) => resnet({ ...(a as unknown as ResNetOptions), depth }),
});
const fixedWrn = without(wideResnetFields, 'depth', 'widenFactor');
const wrn = (depth: number, widenFactor: number): ModelRow => ({
  name: `wrn_${depth}_${widenFactor}`,
  doc: `WRN-${depth}-${widenFactor}`,
  reference: 'Zagoruyko & Komodakis 2016',
  fields: fixedWrn,
  build: (a) => wideResnet({ ...(a as unknown as WideResNetOptions), depth, widenFactor }),
});

const simpleCnnRow = (name: string, doc: string): ModelRow => ({
  name,
  doc,
  reference: 'trickbox (recipes/fashion-quick.json)',
  fields: simpleCnnFields,
  build: (a) => simpleCnn(a as unknown as SimpleCnnOptions),
});
const resnetDefaults = { depth: resnetFields.depth.default as number };
const wideDefaults = {
  depth: wideResnetFields.depth.default as number,
  widenFactor: wideResnetFields.widenFactor.default as number,
};
const wideRow = (name: string, doc: string): ModelRow => ({
  name,
  doc,
  reference: 'Zagoruyko & Komodakis 2016',
  fields: wideResnetFields,
  build: (a) => wideResnet({ ...wideDefaults, ...(a as unknown as Partial<WideResNetOptions>) } as WideResNetOptions),
});

export const modelRegistry = new Registry<ModelBuild>(
  'model',
  [
    simpleCnnRow(
      'simpleCnn',
      'a small fast CNN: two stages of two 3x3 conv + BN + ReLU and 2x2 max pooling, a dense layer with dropout',
    ),
    simpleCnnRow('simple_cnn', 'the same as `simpleCnn`'),
    {
      name: 'resnet',
      doc: "ResNet of any depth 6n+2 (variant 'cifar') or PreAct ResNet-18 (variant 'preact')",
      reference: `${RESNET_REF}; PreAct: He et al. 2016 (Identity Mappings)`,
      fields: resnetFields,
      build: (a) => resnet({ ...resnetDefaults, ...(a as unknown as Partial<ResNetOptions>) } as ResNetOptions),
    },
    cifarResnet(20, '0.27M'),
    cifarResnet(32, '0.46M'),
    cifarResnet(44, '0.66M'),
    cifarResnet(56, '0.85M'),
    cifarResnet(110, '1.7M'),
    {
      name: 'preact_resnet18',
      doc: 'PreAct ResNet-18: [2,2,2,2] pre-activation basic blocks, 64–512 channels (the mixup paper’s CIFAR model)',
      reference: 'He et al. 2016 (Identity Mappings); Zhang et al. 2018',
      fields: fixedResnet,
      build: (a) => resnet({ ...(a as unknown as ResNetOptions), depth: 18, variant: 'preact' }),
    },
    wideRow(
      'wideResnet',
      'Wide ResNet WRN-d-k: pre-activation blocks, widths 16k/32k/64k, dropout between the convolutions',
    ),
    wideRow('wide_resnet', 'the same as `wideResnet`'),
    wrn(16, 4),
    wrn(28, 10),
    {
      name: 'speednet',
      doc: 'airbench-style fast-training CNN: 2x2 patch-whitening stem, conv/pool/BN blocks, global max pool, scaled linear head',
      reference: 'Jordan 2024 (airbench, arXiv:2404.00498)',
      fields: speednetFields,
      build: (a) => speednet(a as unknown as SpeedNetOptions),
    },
  ],
  'own',
);

/** Adds a model a recipe can name (`model.name`); `fields` is the schema of its `model.options`. */
export function registerModel(row: ModelRow): void {
  modelRegistry.register(row);
}

export function modelNames(): string[] {
  return modelRegistry.names().sort();
}

/** Builds a registered model; unknown names get an error listing the known ones. */
export function createModel(spec: ModelSpec): tf.LayersModel {
  const { name, ...args } = spec;
  if (!modelRegistry.names().includes(name))
    throw new RangeError(`models.createModel: unknown model '${name}'; accepted: ${modelNames().join(', ')}`);
  return modelRegistry.get(name).build(args as ModelArgs);
}
