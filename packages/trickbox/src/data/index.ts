// Data: datasets (Fashion-MNIST IDX, CIFAR binary, image folders), split/subset/statistics, and the worker loader.
export * from './dataset.js';
export {
  fashionMnist,
  loadIdxPair,
  parseIdx,
  DataFileError,
  DEFAULT_FASHION_MNIST_DIR,
  FASHION_MNIST_CLASSES,
} from './idx.js';
export { cifar10, cifar100, CIFAR10_CLASSES } from './cifar.js';
export { imageFolder, listImageFolder, type ImageFolderOptions } from './imageFolder.js';
export {
  openImageFolder,
  streamingMemoryBound,
  streamingRuntimeReserve,
  decodedBytes,
  defaultMemoryBudget,
  isFileDataset,
  type FileDataset,
  type OpenImageFolderOptions,
} from './streamingFolder.js';
export { DataLoader, type LoaderOptions, type Batch } from './loader.js';
export {
  buildTransform,
  availableTransforms,
  derivedSeed,
  sampleRng,
  sampleInfo,
  epochOrder,
  type TransformSpec,
} from './transforms.js';
export {
  transformRegistry,
  registerTransform,
  type TransformRow,
  type TransformBuild,
  type SampleTransform,
} from './transform_registry.js';
