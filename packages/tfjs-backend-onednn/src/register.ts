// Registers the backend and its kernels: the native ones from `nativeKernels`, the cpu backend's for everything else.
// Without a usable addon nothing is registered: one warning on stderr, and TensorFlow.js keeps its 'cpu' backend.
import '@tensorflow/tfjs-backend-cpu';
import { getKernelsForBackend, registerBackend, registerGradient, registerKernel } from '@tensorflow/tfjs-core';
import { batchNormTrainGradient } from './kernels/BatchNormTrain.js';
import { BACKEND_NAME, OneDnnBackend } from './backend.js';
import { nativeGradients, nativeKernels } from './kernels/index.js';
import { addonStatus, native } from './native.js';
import { configuredThreads } from './threads.js';

/** Above cpu (1) and webgl (2), so that importing this package makes 'onednn' the default backend in Node. */
export const BACKEND_PRIORITY = 3;

/** The code of the process warning emitted when no addon loads (for `process.on('warning')` filters). */
export const NO_ADDON_WARNING = 'TFJS_ONEDNN_NO_ADDON';

let registered: boolean | undefined;

/** Registers 'onednn' (once); false, after one warning, when no native addon can be loaded (see addonStatus()). */
export function registerOneDnnBackend(): boolean {
  if (registered !== undefined) return registered;
  const status = addonStatus();
  registered = status.loaded;
  if (!status.loaded) {
    process.emitWarning(
      `tfjs-backend-onednn: no usable native addon, TensorFlow.js stays on 'cpu' (slow): ${status.reason}`,
      {
        code: NO_ADDON_WARNING,
      },
    );
    return false;
  }
  native.setNumThreads(configuredThreads());
  registerBackend(BACKEND_NAME, () => new OneDnnBackend(), BACKEND_PRIORITY);
  const nativeNames = new Set(nativeKernels.map((k) => k.kernelName));
  for (const kernel of nativeKernels) registerKernel(kernel);
  registerGradient(batchNormTrainGradient);
  for (const gradient of nativeGradients) registerGradient(gradient);
  for (const cpu of getKernelsForBackend('cpu')) {
    if (!nativeNames.has(cpu.kernelName)) registerKernel({ ...cpu, backendName: BACKEND_NAME });
  }
  return true;
}

/** Names of the kernels this backend runs natively (the rest are the cpu backend's). */
export function nativeKernelNames(): string[] {
  return nativeKernels.map((k) => k.kernelName).sort();
}
