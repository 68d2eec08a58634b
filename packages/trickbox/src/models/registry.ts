// Maps recipe model names to constructors (timm-style registry), so recipes and the CLI stay small.
import type * as tf from '@tensorflow/tfjs';
import type { InputShape } from './common.js';
import { resnet } from './resnet.js';
import { simpleCnn } from './simple_cnn.js';
import { speednet } from './speednet.js';
import { wideResnet } from './wide_resnet.js';

export interface ModelSpec {
  name: string;
  inputShape: InputShape;
  numClasses: number;
  [option: string]: unknown;
}

const registry: Record<string, (spec: ModelSpec) => tf.LayersModel> = {
  simple_cnn: (s) => simpleCnn({ ...s }),
  resnet20: (s) => resnet({ ...s, depth: 20 }),
  resnet32: (s) => resnet({ ...s, depth: 32 }),
  resnet44: (s) => resnet({ ...s, depth: 44 }),
  resnet56: (s) => resnet({ ...s, depth: 56 }),
  resnet110: (s) => resnet({ ...s, depth: 110 }),
  resnet: (s) => resnet({ depth: 20, ...s }),
  preact_resnet18: (s) => resnet({ ...s, depth: 18, variant: 'preact' }),
  wide_resnet: (s) => wideResnet({ depth: 28, widenFactor: 10, ...s }),
  wrn_16_4: (s) => wideResnet({ ...s, depth: 16, widenFactor: 4 }),
  wrn_28_10: (s) => wideResnet({ ...s, depth: 28, widenFactor: 10 }),
  speednet: (s) => speednet({ ...s }),
};

export function modelNames(): string[] {
  return Object.keys(registry).sort();
}

/** Builds a registered model; unknown names get an error listing the known ones. */
export function createModel(spec: ModelSpec): tf.LayersModel {
  const make = registry[spec.name];
  if (!make)
    throw new Error(`models.createModel: unknown model '${spec.name}'; expected one of ${modelNames().join(', ')}`);
  return make(spec);
}
