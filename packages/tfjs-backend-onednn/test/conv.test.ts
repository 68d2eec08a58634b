import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conv2dResidual } from '../src/ops/index.js';
import { alsoUnderAvx2 } from '../src/testing.js';
import { assertParity, assertRepeatedParity, pick, randInt } from './parity.js';

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

function randomConvCase() {
  const k = pick([1, 3, 5]);
  const stride = pick([1, 2]);
  const dilation = stride === 1 && k > 1 ? pick([1, 1, 2]) : 1;
  const pad: Pad = pick([
    'same',
    'valid',
    [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  ] as Pad[]);
  const h = randInt(k * dilation, 13);
  const w = randInt(k * dilation, 11);
  return { b: pick([1, 2, 3]), h, w, cin: pick([1, 3, 8, 64]), cout: pick([1, 3, 16]), k, stride, dilation, pad };
}

/** tf.fused.conv2d (conv + bias + activation) as a function of (x, filter, bias). */
function fusedConv(stride: number, pad: Pad, activation: 'linear' | 'relu' | 'elu', dilation = 1) {
  return (x: tf.Tensor, f: tf.Tensor, b: tf.Tensor) =>
    tf.fused.conv2d({
      x: x as tf.Tensor4D,
      filter: f as tf.Tensor4D,
      bias: b,
      strides: stride,
      pad,
      dilations: dilation,
      activation,
    });
}

test('Conv2D and its gradients match the cpu backend on random shapes', () => {
  for (let i = 0; i < 40; i++) {
    const c = randomConvCase();
    const label = `conv case ${i} ${JSON.stringify(c)}`;
    const specs = [{ shape: [c.b, c.h, c.w, c.cin] }, { shape: [c.k, c.k, c.cin, c.cout] }];
    const conv = (x: tf.Tensor, f: tf.Tensor) =>
      tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad, 'NHWC', c.dilation);
    assertParity(label, conv, specs);
    if (c.dilation > 1) continue; // tfjs has no gradient for dilated convolutions
    const grads = tf.grads((x: tf.Tensor, f: tf.Tensor) => tf.sum(tf.square(conv(x, f))));
    assertParity(`${label} gradients`, (x, f) => grads([x, f]), specs, 1e-3);
  }
});

test('FusedConv2D with bias and relu matches the cpu backend, and its gradients too', () => {
  for (let i = 0; i < 20; i++) {
    const c = randomConvCase();
    const activation = pick(['linear', 'relu', 'elu'] as const);
    const label = `fused conv case ${i} ${activation} ${JSON.stringify(c)}`;
    const specs = [{ shape: [c.b, c.h, c.w, c.cin] }, { shape: [c.k, c.k, c.cin, c.cout] }, { shape: [c.cout] }];
    const fused = fusedConv(c.stride, c.pad, activation, c.dilation);
    assertParity(label, fused, specs);
    if (c.dilation > 1) continue;
    const grads = tf.grads((x: tf.Tensor, f: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(fused(x, f, b))));
    assertParity(`${label} gradients`, (x, f, b) => grads([x, f, b]), specs, 1e-3);
  }
});

test('depthwise convolution and its gradients match the cpu backend', () => {
  for (let i = 0; i < 20; i++) {
    const c = randomConvCase();
    const mult = pick([1, 2]);
    const pad = typeof c.pad === 'string' ? c.pad : 'same';
    const dilation = c.dilation;
    const stride = dilation > 1 ? 1 : c.stride;
    const label = `depthwise case ${i} ${JSON.stringify({ ...c, mult, pad, stride })}`;
    const specs = [{ shape: [c.b, c.h, c.w, c.cin] }, { shape: [c.k, c.k, c.cin, mult] }];
    const dw = (x: tf.Tensor, f: tf.Tensor) =>
      tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, stride, pad, 'NHWC', dilation);
    assertParity(label, dw, specs);
    if (dilation > 1) continue;
    const grads = tf.grads((x: tf.Tensor, f: tf.Tensor) => tf.sum(tf.square(dw(x, f))));
    assertParity(`${label} gradients`, (x, f) => grads([x, f]), specs, 1e-3);
  }
});

test('convolutions on empty batches and int32 inputs fall back to the cpu kernels', () => {
  assertParity('empty batch', (x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same'), [
    { shape: [0, 5, 5, 2] },
    { shape: [3, 3, 2, 4] },
  ]);
});

test('convolutions of float32 tensors that hold relabelled int32 data fall back to the cpu kernels', () => {
  // The cpu backend's Cast int32 -> float32 only relabels the Int32Array; the native kernels need real float data.
  const values = tf.getKernel('Cast', 'cpu')!.kernelFunc({
    inputs: { x: tf.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1], 'int32') },
    backend: tf.backend(),
    attrs: { dtype: 'float32' },
  }) as tf.TensorInfo;
  const x = tf.engine().makeTensorFromTensorInfo(values);
  const y = tf.conv2d(x as tf.Tensor4D, tf.ones([2, 2, 1, 1]) as tf.Tensor4D, 1, 'valid');
  tf.test_util.expectArraysClose(y.dataSync(), [12, 16, 24, 28]);
});

test('conv2dResidual (conv + bias + residual add + relu in one primitive) matches the composite on cpu', () => {
  for (let i = 0; i < 24; i++) {
    const c = randomConvCase();
    const pad = pick(['same', 'valid'] as const);
    const relu = pick([true, false]);
    const withBias = pick([true, false]);
    const span = (c.k - 1) * c.dilation + 1;
    const outH = pad === 'same' ? Math.ceil(c.h / c.stride) : Math.ceil((c.h - span + 1) / c.stride);
    const outW = pad === 'same' ? Math.ceil(c.w / c.stride) : Math.ceil((c.w - span + 1) / c.stride);
    const label = `conv2dResidual case ${i} ${JSON.stringify({ ...c, pad, relu, withBias })}`;
    const specs = [
      { shape: [c.b, c.h, c.w, c.cin] },
      { shape: [c.k, c.k, c.cin, c.cout] },
      { shape: [c.b, outH, outW, c.cout] },
      { shape: [c.cout] },
    ];
    assertParity(
      label,
      (x, f, r, b) =>
        conv2dResidual(x as tf.Tensor4D, f as tf.Tensor4D, r as tf.Tensor4D, {
          strides: c.stride,
          pad,
          dilations: c.dilation,
          bias: withBias ? (b as tf.Tensor1D) : undefined,
          relu,
        }),
      specs,
    );
  }
});

test('conv2dResidual is one native kernel on onednn', async () => {
  tf.setBackend('onednn');
  const [x, f, r] = [tf.ones([1, 5, 5, 3]), tf.ones([3, 3, 3, 4]), tf.ones([1, 5, 5, 4])] as tf.Tensor4D[];
  const profile = await tf.profile(() => conv2dResidual(x, f, r, { pad: 'same', relu: true }));
  assert.deepEqual(profile.kernelNames, ['OnednnConv2DResidual']);
  tf.dispose([x, f, r]);
});

test('conv2dResidual refuses a residual of the wrong shape, naming both shapes', () => {
  const x = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D;
  const f = tf.zeros([3, 3, 2, 5]) as tf.Tensor4D;
  assert.throws(
    () => conv2dResidual(x, f, tf.zeros([1, 4, 4, 2]) as tf.Tensor4D, { pad: 'same' }),
    /residual must have the output's shape \[1,4,4,5\], got \[1,4,4,2\]/,
  );
  assert.throws(
    () =>
      conv2dResidual(x, f, tf.zeros([1, 4, 4, 5]) as tf.Tensor4D, { pad: 'same', bias: tf.zeros([3]) as tf.Tensor1D }),
    /bias must have shape \[5\], got \[3\]/,
  );
  tf.dispose([x, f]);
});

// The shapes whose oneDNN implementation the backend picks itself (direct jit kernel instead of brgconv; the residual
// as a binary post-op): a CIFAR ResNet's stems and 16-channel stage at 28 and 32 pixels wide, on a small batch.
test('convolutions of the tuned shapes (ResNet stem and 16-channel stage) match the cpu backend', () => {
  const cases = [
    { cin: 1, cout: 16, size: 28 },
    { cin: 3, cout: 16, size: 32 },
    { cin: 16, cout: 16, size: 28 },
    { cin: 16, cout: 16, size: 32 },
    { cin: 16, cout: 32, size: 28, stride: 2 },
  ];
  for (const { cin, cout, size, stride = 1 } of cases) {
    const out = Math.ceil(size / stride);
    const specs = [
      { shape: [2, size, size, cin] },
      { shape: [3, 3, cin, cout] },
      { shape: [2, out, out, cout] },
      { shape: [cout] },
    ];
    const label = `tuned shape ${cin}->${cout} at ${size}x${size} stride ${stride}`;
    assertParity(`${label} conv2d`, (x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, stride, 'same'), specs);
    assertParity(
      `${label} fused conv2d + bias + relu`,
      (x, f, _r, b) =>
        tf.fused.conv2d({
          x: x as tf.Tensor4D,
          filter: f as tf.Tensor4D,
          strides: stride,
          pad: 'same',
          bias: b,
          activation: 'relu',
        }),
      specs,
    );
    if (stride === 1 && cin === cout) {
      assertParity(
        `${label} conv2dResidual`,
        (x, f, r, b) =>
          conv2dResidual(x as tf.Tensor4D, f as tf.Tensor4D, r as tf.Tensor4D, {
            pad: 'same',
            bias: b as tf.Tensor1D,
            relu: true,
          }),
        specs,
      );
    }
  }
});

test('numeric padding with unequal strides (which oneDNN refuses) runs the cpu kernels, gradients too', () => {
  // tfjs sizes both axes with the first stride here (7x7 -> 4x4), an output oneDNN cannot describe.
  for (const [strides, pad] of [
    [[2, 1], 1],
    [[1, 2], 0],
    [[3, 1], 2],
  ] as Array<[[number, number], number]>) {
    const label = `strides ${strides} pad ${pad}`;
    const specs = [{ shape: [2, 7, 7, 2] }, { shape: [3, 3, 2, 4] }];
    const conv = (x: tf.Tensor, f: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, strides, pad);
    assertParity(label, conv, specs);
    const grads = tf.grads((x: tf.Tensor, f: tf.Tensor) => tf.sum(tf.square(conv(x, f))));
    assertParity(`${label} gradients`, (x, f) => grads([x, f]), specs, 1e-3);
  }
});

// The shapes of the AVX2 weight-gradient fault (docs/backend.md, "1x1 strided convolutions"): 1x1 and 3x3 kernels,
// strides 1 and 2, 1-8 and 16 input channels, even sizes (where oneDNN's 1x1 kernel copies the strided input to a
// workspace) and odd ones (where it does not). The fault was intermittent, so each shape runs 20 times on the same
// inputs, every pass checked: forward, backward data, backward filter, and the fused conv + bias + relu with its
// three gradients.
const SWEEP_SIZES = [
  [6, 10],
  [8, 8],
  [12, 6],
  [9, 7],
] as const;
const SWEEP_CHANNELS = [1, 2, 3, 4, 5, 6, 7, 8, 16];
const SWEEP_REPEATS = 20;

function sweepCases() {
  const cases = [];
  let i = 0;
  for (const k of [1, 3]) {
    for (const stride of [1, 2]) {
      for (const cin of SWEEP_CHANNELS) {
        for (const [h, w] of SWEEP_SIZES) {
          // Output channels and batch cycle through small, block-sized and wider values.
          cases.push({ b: 1 + (i % 3), h, w, cin, cout: [3, 8, 16][i % 3], k, stride, pad: i % 2 ? 'valid' : 'same' });
          i++;
        }
      }
    }
  }
  return cases as Array<{
    b: number;
    h: number;
    w: number;
    cin: number;
    cout: number;
    k: number;
    stride: number;
    pad: 'same' | 'valid';
  }>;
}

test(`1x1 and 3x3 convolutions, strides 1 and 2, 1-8 and 16 channels: every pass matches cpu ${SWEEP_REPEATS} times`, () => {
  for (const c of sweepCases()) {
    const label = `sweep ${JSON.stringify(c)}`;
    const outH = c.pad === 'same' ? Math.ceil(c.h / c.stride) : Math.ceil((c.h - c.k + 1) / c.stride);
    const outW = c.pad === 'same' ? Math.ceil(c.w / c.stride) : Math.ceil((c.w - c.k + 1) / c.stride);
    const specs = [
      { shape: [c.b, c.h, c.w, c.cin] },
      { shape: [c.k, c.k, c.cin, c.cout] },
      { shape: [c.cout] },
      { shape: [c.b, outH, outW, c.cout] },
    ];
    // The weighted sum makes dy the random fourth input, so each backward pass sees a general upstream gradient.
    const conv = (x: tf.Tensor, f: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad);
    const fused = fusedConv(c.stride, c.pad, 'relu');
    const plainGrads = tf.grads((x: tf.Tensor, f: tf.Tensor, dy: tf.Tensor) => tf.sum(tf.mul(conv(x, f), dy)));
    const fusedGrads = tf.grads((x: tf.Tensor, f: tf.Tensor, b: tf.Tensor, dy: tf.Tensor) =>
      tf.sum(tf.mul(fused(x, f, b), dy)),
    );
    assertRepeatedParity(
      `${label} forward, backward data, backward filter`,
      (x, f, _b, dy) => [conv(x, f), ...plainGrads([x, f, dy]).slice(0, 2)],
      specs,
      SWEEP_REPEATS,
      1e-3,
    );
    assertRepeatedParity(
      `${label} fused bias + relu and its gradients`,
      (x, f, b, dy) => [fused(x, f, b), ...fusedGrads([x, f, b, dy]).slice(0, 3)],
      specs,
      SWEEP_REPEATS,
      1e-3,
    );
  }
});

alsoUnderAvx2(import.meta.url);
