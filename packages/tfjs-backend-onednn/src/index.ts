// `import 'tfjs-backend-onednn'` registers the 'onednn' backend and makes it the default in Node.
import { registerOneDnnBackend } from './register.js';

registerOneDnnBackend();

export { BACKEND_NAME, OneDnnBackend } from './backend.js';
export { BACKEND_PRIORITY, nativeKernelNames } from './register.js';
export { THREADS_ENV, configuredThreads } from './threads.js';
export { native } from './native.js';
export * as ops from './ops/index.js';
export { batchNormTrain, sgdMomentumUpdate } from './ops/index.js';
