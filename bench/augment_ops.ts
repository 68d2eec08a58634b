// Per-op cost of the 224×224 augmentation (issue 15): CPU microseconds per call of each op of the ImageNet
// pipeline on random 224×224 RGB images, one thread, with the WebAssembly kernels (and the whole pipeline once more
// without them). Best and median of 5 timed passes after a warm-up; outputs are released, as a loader would.
//
// Usage: node --import tsx bench/augment_ops.ts [--calls 400]
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import * as augment from '../packages/trickbox/src/augment/index.js';
import { Rng } from '../packages/trickbox/src/rng/index.js';

const { values: args } = parseArgs({ options: { calls: { type: 'string', default: '400' } } });
const CALLS = Number(args.calls);
const { ops } = augment;

const seed = new Rng(1);
const images = Array.from({ length: 16 }, () => {
  const data = new Uint8Array(224 * 224 * 3);
  for (let i = 0; i < data.length; i++) data[i] = seed.int(256);
  return { data, height: 224, width: 224, channels: 3 as const };
});

function time(name: string, op: (img: augment.Image) => augment.Image): void {
  const pass = (n: number) => {
    for (let i = 0; i < n; i++) {
      const input = images[i % images.length]!;
      const out = op(input);
      if (out.data !== input.data) augment.release(out);
    }
  };
  pass(100);
  const perCall: number[] = [];
  for (let r = 0; r < 5; r++) {
    const c0 = process.cpuUsage();
    pass(CALLS);
    const c = process.cpuUsage(c0);
    perCall.push((c.user + c.system) / CALLS);
  }
  perCall.sort((a, b) => a - b);
  console.log(`| ${name} | ${perCall[0]!.toFixed(1)} | ${perCall[2]!.toFixed(1)} |`);
}

const rng = new Rng(0);
const pipeline = augment.compose([
  augment.randomResizedCrop({ size: 224 }),
  augment.randomHorizontalFlip(),
  augment.autoAugment({ policy: 'imagenet' }),
]);
console.log(
  `load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}; µs of CPU per call, ${CALLS} calls per pass\n`,
);
console.log('| op | best | median |\n| --- | ---: | ---: |');
time('resizedCrop 150×160 window → 224×224', (img) => ops.resizedCrop(img, 10, 20, 150, 160, 224, 224));
time('resizedCrop 224×200 window → 224×224', (img) => ops.resizedCrop(img, 0, 0, 224, 200, 224, 224));
time('randomResizedCrop 224', (img) => augment.randomResizedCrop({ size: 224 })(img, rng));
time('hflip', (img) => ops.hflip(img));
time('rotate 20°', (img) => ops.rotate(img, 20));
time('shearX 0.2', (img) => ops.shearX(img, 0.2));
time('posterize 5', (img) => ops.posterize(img, 5));
time('solarize 100', (img) => ops.solarize(img, 100));
time('invert', (img) => ops.invert(img));
time('autoContrast', (img) => ops.autoContrast(img));
time('equalize', (img) => ops.equalize(img));
time('color 1.5', (img) => ops.color(img, 1.5));
time('contrast 1.5', (img) => ops.contrast(img, 1.5));
time('sharpness 1.5', (img) => ops.sharpness(img, 1.5));
time('copy (data.slice)', (img) => ({ ...img, data: img.data.slice() }));
time('RRC + flip + AutoAugment(ImageNet)', (img) => pipeline(img, rng));
augment.useWasmKernels(false);
time('the same, TypeScript loops only', (img) => pipeline(img, rng));
