// The ReLU gradient in one native pass. tfjs-core computes it as Multiply(dy, Cast(Step(x))): two full-size passes and
// two kernel calls per ReLU. The gradient registered here runs the native kernel 'OneDnnReluGrad' (same values) when
// the active backend is 'onednn' and the tensors are float32, and tfjs-core's composite otherwise.
import {
  cast,
  engine,
  getBackend,
  mul,
  Relu,
  step,
  type GradConfig,
  type KernelConfig,
  type Tensor,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { BACKEND_NAME, type OneDnnBackend } from '../backend.js';
import { native } from '../native.js';
import { float32Data, sizeOf } from './native_util.js';

export const RELU_GRAD = 'OneDnnReluGrad';

export function reluGrad(args: { inputs: { dy: TensorInfo; x: TensorInfo }; backend: OneDnnBackend }): TensorInfo {
  const { inputs, backend } = args;
  const { dy, x } = inputs;
  const data = float32Data(backend, dy, x);
  if (!data) throw new Error(`onednn ${RELU_GRAD}: dy and x must be float32 (got ${dy.dtype}, ${x.dtype})`);
  const dx = backend.allocFloat32(sizeOf(x.shape));
  native.reluGrad(data[0], data[1], dx);
  return backend.outputFloat32(dx, [...x.shape]);
}

export const reluGradKernelConfig: KernelConfig = {
  kernelName: RELU_GRAD,
  backendName: BACKEND_NAME,
  kernelFunc: reluGrad as unknown as KernelConfig['kernelFunc'],
};

export const reluGradConfig: GradConfig = {
  kernelName: Relu,
  inputsToSave: ['x'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
    const [x] = saved;
    const g = dy as Tensor;
    const nativePath = getBackend() === BACKEND_NAME && x.dtype === 'float32' && g.dtype === 'float32' && x.size > 0;
    return {
      x: () =>
        nativePath ? (engine().runKernel(RELU_GRAD, { dy: g, x }) as Tensor) : mul(g, cast(step(x), 'float32')), // tfjs-core's composite
    };
  },
};
