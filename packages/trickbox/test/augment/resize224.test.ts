// ops.resize / ops.resizedCrop at ImageNet sizes against torchvision 0.14 (BILINEAR, antialias=True, uint8 tensors;
// fixtures from scripts/fixtures/resize224.py): shrinking (widened filter), enlarging (two taps), gray, crops; and
// the WebAssembly kernels (native-wasm/resample.c) against the TypeScript passes they replace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { ops, type Image } from '../../src/augment/index.js';
import { fixturePath } from '../helpers/paths.js';
import { useWasmKernels, wasmKernelsAvailable } from '../../src/augment/wasm.js';
import { Rng } from '../../src/rng/index.js';

interface ResizeCase {
  input: [number, number, 1 | 3];
  crop: [number, number, number, number] | null;
  size: [number, number];
  output: string;
}
const fixture = JSON.parse(readFileSync(fixturePath('augment', 'resize224.json'), 'utf8')) as { cases: ResizeCase[] };

/** The script's `pattern`: the same integer formula, so the inputs need not be stored. */
function pattern(h: number, w: number, c: 1 | 3): Image {
  const data = new Uint8Array(h * w * c);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < c; k++) {
        const stripe = (x + 2 * y) % 40 < 9 ? 60 : 0;
        data[(y * w + x) * c + k] = (Math.floor((x * y) / 64) + 2 * x + 3 * y + 91 * k + stripe) % 256;
      }
  return { data, height: h, width: w, channels: c };
}

/** Undoes the script's per-channel difference to the previous pixel. */
function decodeOutput(b64: string, c: number): Uint8Array {
  const d = new Uint8Array(inflateSync(Buffer.from(b64, 'base64')));
  for (let i = c; i < d.length; i++) d[i] = (d[i]! + d[i - c]!) & 255;
  return d;
}

test('resize and resizedCrop to 224x224 are within ±1 of torchvision on every pixel', () => {
  assert.equal(fixture.cases.length, 5);
  for (const cs of fixture.cases) {
    const [h, w, c] = cs.input;
    const img = pattern(h, w, c);
    const [oh, ow] = cs.size;
    const got = cs.crop ? ops.resizedCrop(img, ...cs.crop, oh, ow) : ops.resize(img, oh, ow);
    const want = decodeOutput(cs.output, c);
    assert.equal(got.data.length, want.length);
    let worst = 0,
      differing = 0;
    for (let i = 0; i < want.length; i++) {
      const e = Math.abs(got.data[i]! - want[i]!);
      if (e > 0) differing++;
      worst = Math.max(worst, e);
    }
    const label = `${h}x${w}x${c}${cs.crop ? ` crop ${cs.crop.join(',')}` : ''} -> ${oh}x${ow}`;
    assert.ok(worst <= 1, `${label}: max |Δ| ${worst}`);
    // A ±1 is a value within rounding distance of .5; a systematic error would move far more than a few percent.
    assert.ok(differing / want.length < 0.05, `${label}: ${differing} of ${want.length} values differ`);
  }
});

test('the WebAssembly resampler gives exactly the TypeScript passes on random windows, sizes and channels', () => {
  assert.ok(wasmKernelsAvailable(), 'WebAssembly runs in Node, so the kernels are in use');
  const rng = new Rng(5);
  for (let t = 0; t < 150; t++) {
    const h = 1 + rng.int(200),
      w = 1 + rng.int(200),
      c = rng.bernoulli(0.3) ? 1 : 3;
    const img: Image = {
      data: Uint8Array.from({ length: h * w * c }, () => rng.int(256)),
      height: h,
      width: w,
      channels: c,
    };
    const top = rng.int(h),
      left = rng.int(w),
      ih = 1 + rng.int(h - top),
      iw = 1 + rng.int(w - left);
    const oh = 1 + rng.int(240),
      ow = 1 + rng.int(240),
      aa = rng.bernoulli(0.8);
    const wasm = ops.resizedCrop(img, top, left, ih, iw, oh, ow, aa);
    useWasmKernels(false);
    let js: Image;
    try {
      js = ops.resizedCrop(img, top, left, ih, iw, oh, ow, aa);
    } finally {
      useWasmKernels(true);
    }
    assert.deepEqual(wasm.data, js.data, `${h}x${w}x${c} window ${top},${left},${ih},${iw} -> ${oh}x${ow} aa ${aa}`);
  }
});

test('the WebAssembly pixel kernels give exactly the TypeScript ops (tables, warps, flip, gray, blends)', () => {
  const rng = new Rng(9);
  const cases: [string, (img: Image) => Image][] = [
    ['invert', (i) => ops.invert(i)],
    ['posterize 3', (i) => ops.posterize(i, 3)],
    ['solarize 100', (i) => ops.solarize(i, 100)],
    ['solarize 127.4', (i) => ops.solarize(i, 127.4)],
    ['solarize 0', (i) => ops.solarize(i, 0)],
    ['solarize 255', (i) => ops.solarize(i, 255)],
    ['posterize 0', (i) => ops.posterize(i, 0)],
    ['posterize 8', (i) => ops.posterize(i, 8)],
    ['brightness 1.7', (i) => ops.brightness(i, 1.7)],
    ['contrast 0.4', (i) => ops.contrast(i, 0.4)],
    ['autoContrast', (i) => ops.autoContrast(i)],
    ['equalize', (i) => ops.equalize(i)],
    ['rotate 23.5', (i) => ops.rotate(i, 23.5, [10, 20, 30].slice(0, i.channels))],
    ['rotate -90', (i) => ops.rotate(i, -90)],
    ['shearX 0.27', (i) => ops.shearX(i, 0.27)],
    ['shearY -0.3', (i) => ops.shearY(i, -0.3, 7)],
    ['warp', (i) => ops.warpAffine(i, [0.9, 0.2, 3.3, -0.15, 1.1, -2.5], 99)],
    ['hflip', (i) => ops.hflip(i)],
    ['color 1.6', (i) => ops.color(i, 1.6)],
    ['color 0.1', (i) => ops.color(i, 0.1)],
    ['contrast 1.9', (i) => ops.contrast(i, 1.9)],
    ['sharpness 1.8', (i) => ops.sharpness(i, 1.8)],
    ['sharpness 0.2', (i) => ops.sharpness(i, 0.2)],
    ['grayscale', (i) => ops.grayscale(i)],
  ];
  for (let t = 0; t < 12; t++) {
    const h = 1 + rng.int(230),
      w = 1 + rng.int(230),
      c = t % 3 === 0 ? 1 : 3;
    const img: Image = {
      data: Uint8Array.from({ length: h * w * c }, () => rng.int(200) + 20),
      height: h,
      width: w,
      channels: c,
    };
    for (const [name, op] of cases) {
      const wasm = op(img);
      useWasmKernels(false);
      try {
        assert.deepEqual(wasm.data, op(img).data, `${name} on ${h}x${w}x${c}`);
      } finally {
        useWasmKernels(true);
      }
    }
  }
});

test('the WebAssembly invert / solarize / posterize kernel gives the tables of the TypeScript ops on every value', () => {
  // every value 0–255 in every channel, at a length that leaves a scalar tail after the 16-value steps
  const img: Image = {
    data: Uint8Array.from({ length: 3 * 401 }, (_, i) => (i * 7) % 256),
    height: 1,
    width: 401,
    channels: 3,
  };
  const cases: [string, (img: Image) => Image][] = [
    ['invert', (i) => ops.invert(i)],
    ...[0, 1, 3, 8].map((b): [string, (img: Image) => Image] => [`posterize ${b}`, (i) => ops.posterize(i, b)]),
    ...[0, 0.5, 100, 127.4, 254.9, 255].map((t): [string, (img: Image) => Image] => [
      `solarize ${t}`,
      (i) => ops.solarize(i, t),
    ]),
  ];
  for (const [name, op] of cases) {
    const wasm = op(img);
    useWasmKernels(false);
    try {
      assert.deepEqual(wasm.data, op(img).data, name);
    } finally {
      useWasmKernels(true);
    }
  }
});
