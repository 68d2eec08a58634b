// Fused training and inference ops exported by the package. They run natively on 'onednn' and as tfjs compositions elsewhere.
export { batchNormTrain, type BatchNormTrainOptions, BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from './batchnorm.js';
export { sgdMomentumUpdate, type SgdMomentumOptions } from './sgd.js';
export { conv2dResidual, type Conv2dResidualOptions, CONV2D_RESIDUAL } from './conv_residual.js';
