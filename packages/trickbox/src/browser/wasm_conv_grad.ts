/**
 * The filter gradient of a 2-D convolution for tfjs's `wasm` backend, which (4.22) has no `Conv2DBackpropFilter`
 * kernel, so no CNN can train on it. (Its `Conv3DBackpropFilterV2`, the obvious stand-in, gives wrong values for
 * strides > 1.) The gradient is itself a convolution, run with the backend's fast `Conv2D`:
 *
 *   dW[i, j, c, o] = Σ_{b, y, x} xp[b, y·s + i, x·s + j, c] · dy[b, y, x, o]        (xp: x with the forward padding)
 *
 * is conv2d(input = xpᵀ [C, Hp, Wp, B], filter = dyᵀ [Ho, Wo, B, O], dilation s, 'valid'), whose output [C, ≥kh, ≥kw, O]
 * is cut to the filter size and transposed to [kh, kw, C, O]. NHWC only.
 */
import * as tf from '@tensorflow/tfjs';

const WASM = 'wasm';

type KernelArgs = Parameters<tf.KernelFunc>[0];
interface FilterGradAttrs {
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

function kernelOf(name: string): tf.KernelFunc {
  const config = tf.getKernel(name, WASM);
  if (!config) throw new Error(`wasm backend: kernel '${name}' is missing (load @tensorflow/tfjs-backend-wasm first)`);
  return config.kernelFunc;
}

function conv2DBackpropFilterWasm({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as FilterGradAttrs;
  if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter (wasm): only NHWC is supported, got NCHW');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const [kh, kw, inChannels, outChannels] = filterShape;
  const { top, bottom, left, right } = info.padInfo;
  const run = (name: string, ins: Record<string, tf.TensorInfo>, a: Record<string, unknown>): tf.TensorInfo =>
    kernelOf(name)({ inputs: ins, backend, attrs: a as tf.NamedAttrMap }) as tf.TensorInfo;
  const temporaries: tf.TensorInfo[] = [];
  const keep = (t: tf.TensorInfo): tf.TensorInfo => (temporaries.push(t), t);

  const padded =
    top + bottom + left + right > 0
      ? keep(
          run(
            'PadV2',
            { x },
            {
              paddings: [
                [0, 0],
                [top, bottom],
                [left, right],
                [0, 0],
              ],
              constantValue: 0,
            },
          ),
        )
      : x;
  const input = keep(run('Transpose', { x: padded }, { perm: [3, 1, 2, 0] }));
  const filter = keep(run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] }));
  const full = keep(
    run(
      'Conv2D',
      { x: input, filter },
      {
        strides: 1,
        pad: 'valid',
        dilations: [info.strideHeight, info.strideWidth],
        dataFormat: 'NHWC',
        dimRoundingMode: undefined,
      },
    ),
  );
  const cut =
    full.shape[1] === kh && full.shape[2] === kw
      ? full
      : keep(run('Slice', { x: full }, { begin: [0, 0, 0, 0], size: [inChannels, kh, kw, outChannels] }));
  const dw = run('Transpose', { x: cut }, { perm: [1, 2, 0, 3] });
  for (const t of temporaries) (backend as tf.KernelBackend).disposeData(t.dataId);
  return dw;
}

/**
 * Registers the kernel for 'wasm' unless the backend already has one (a later tfjs may add it); returns whether it
 * did. Call it after importing @tensorflow/tfjs-backend-wasm.
 */
export function registerWasmConv2DBackpropFilter(): boolean {
  if (tf.getKernel('Conv2DBackpropFilter', WASM)) return false;
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: WASM, kernelFunc: conv2DBackpropFilterWasm });
  return true;
}
