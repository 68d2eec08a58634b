// Registers the backend and its kernels: the native ones from `nativeKernels`, the cpu backend's for everything else.
import '@tensorflow/tfjs-backend-cpu';
import { getKernelsForBackend, registerBackend, registerGradient, registerKernel } from '@tensorflow/tfjs-core';
import { batchNormTrainGradient } from './kernels/BatchNormTrain.js';
import { BACKEND_NAME, OneDnnBackend } from './backend.js';
import { nativeGradients, nativeKernels } from './kernels/index.js';
import { native } from './native.js';
import { configuredThreads } from './threads.js';

/** Above cpu (1) and webgl (2), so that importing this package makes 'onednn' the default backend in Node. */
export const BACKEND_PRIORITY = 3;

let registered = false;

export function registerOneDnnBackend(): void {
  if (registered) return;
  registered = true;
  native.setNumThreads(configuredThreads());
  registerBackend(BACKEND_NAME, () => new OneDnnBackend(), BACKEND_PRIORITY);
  const nativeNames = new Set(nativeKernels.map((k) => k.kernelName));
  for (const kernel of nativeKernels) registerKernel(kernel);
  registerGradient(batchNormTrainGradient);
  for (const gradient of nativeGradients) registerGradient(gradient);
  for (const cpu of getKernelsForBackend('cpu')) {
    if (!nativeNames.has(cpu.kernelName)) registerKernel({ ...cpu, backendName: BACKEND_NAME });
  }
}

/** Names of the kernels this backend runs natively (the rest are the cpu backend's). */
export function nativeKernelNames(): string[] {
  return nativeKernels.map((k) => k.kernelName).sort();
}
