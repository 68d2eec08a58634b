// `import 'tfjs-backend-onednn'` registers the 'onednn' backend and makes it the default in Node; without a usable
// native addon it warns once and leaves 'cpu' the backend (addonStatus() says why).
import { registerOneDnnBackend } from './register.js';

registerOneDnnBackend();

export { BACKEND_NAME, OneDnnBackend } from './backend.js';
export { BACKEND_PRIORITY, NO_ADDON_WARNING, nativeKernelNames } from './register.js';
export { THREADS_ENV, configuredThreads } from './threads.js';
export { type AddonStatus, addonStatus, native } from './native.js';
export { ADDON_ENV, PREBUILT_PACKAGES } from './locate.js';
export * as ops from './ops/index.js';
export { batchNormTrain, sgdMomentumUpdate } from './ops/index.js';
