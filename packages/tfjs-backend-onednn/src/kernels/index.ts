// The single list of kernels that run natively on 'onednn' (docs/architecture.md: one file per kernel family, one list).
import type { GradConfig, KernelConfig } from '@tensorflow/tfjs-core';
import { conv2DConfig } from './Conv2D.js';
import { conv2DBackpropFilterConfig } from './Conv2DBackpropFilter.js';
import { conv2DBackpropInputConfig } from './Conv2DBackpropInput.js';
import {
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  depthwiseConv2dNativeConfig,
} from './depthwise.js';
import { fusedConv2DConfig } from './FusedConv2D.js';
import { gatherV2Config } from './GatherV2.js';
import { addNConfig } from './AddN.js';
import {
  addConfig,
  maximumConfig,
  minimumConfig,
  multiplyConfig,
  realDivConfig,
  squaredDifferenceConfig,
  subConfig,
} from './binary.js';
import { unaryConfigs } from './unary.js';
import { castConfig } from './Cast.js';
import { fusedBatchNormConfig } from './FusedBatchNorm.js';
import { argMaxConfig, argMinConfig, maxConfig, meanConfig, minConfig, softmaxConfig, sumConfig } from './reduce.js';
import { concatConfig, padV2Config, sliceConfig, tileConfig, transposeConfig } from './layout.js';
import { batchMatMulConfig, fusedMatMulConfig } from './matmul.js';
import { avgPoolConfig, avgPoolGradConfig, maxPoolConfig, maxPoolGradConfig } from './pool.js';
import { reductionGradConfigs } from './reduce_grad.js';
import { reluGradConfig, reluGradKernelConfig } from './ReluGrad.js';
import { batchNormTrainConfig, batchNormTrainGradConfig } from './BatchNormTrain.js';
import { conv2dResidualConfig } from './Conv2DResidual.js';

export const nativeKernels: KernelConfig[] = [
  conv2DConfig,
  conv2DBackpropInputConfig,
  conv2DBackpropFilterConfig,
  fusedConv2DConfig,
  conv2dResidualConfig,
  depthwiseConv2dNativeConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  addConfig,
  subConfig,
  multiplyConfig,
  realDivConfig,
  maximumConfig,
  minimumConfig,
  squaredDifferenceConfig,
  ...unaryConfigs,
  addNConfig,
  castConfig,
  fusedBatchNormConfig,
  sumConfig,
  meanConfig,
  maxConfig,
  minConfig,
  argMaxConfig,
  argMinConfig,
  softmaxConfig,
  tileConfig,
  transposeConfig,
  padV2Config,
  sliceConfig,
  concatConfig,
  batchMatMulConfig,
  fusedMatMulConfig,
  maxPoolConfig,
  avgPoolConfig,
  maxPoolGradConfig,
  avgPoolGradConfig,
  reluGradKernelConfig,
  batchNormTrainConfig,
  batchNormTrainGradConfig,
  gatherV2Config,
];

/** Gradients replacing tfjs-core's with identical values in fewer passes (no JS-filled ones tensor). */
export const nativeGradients: GradConfig[] = [...reductionGradConfigs, reluGradConfig];
