// augment.ops against torchvision 0.14 (fixtures from scripts/fixtures/augment.py: gray and RGB images of
// several sizes, square and not, several magnitudes per op).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as augment from '../../src/augment/index.js';
import type { Image } from '../../src/augment/index.js';
import { decode, fixture, images } from './fixtures.js';

const { ops } = augment;

function run(op: string, img: Image, arg: unknown, fill?: number[]): Image {
  switch (op) {
    case 'resize':
      return ops.resize(img, (arg as number[])[0]!, (arg as number[])[1]!);
    case 'grayscale':
      return ops.grayscale(img);
    case 'invert':
    case 'autoContrast':
    case 'equalize':
    case 'hflip':
    case 'vflip':
      return (ops as any)[op](img);
    default:
      return (ops as any)[op](img, arg, fill);
  }
}

// Exact where torchvision is exact; ±1 where its float rounding order is not reproducible (resize accumulates
// in float32 in an order we do not copy); geometric ops: at least 99% of pixels identical.
const GEOMETRIC = new Set(['rotate', 'shearX', 'shearY', 'translateX', 'translateY']);
const PLUS_MINUS_ONE = new Set(['resize', 'hue']);

const byOp = new Map<string, typeof fixture.cases>();
for (const c of fixture.cases) byOp.set(c.op, [...(byOp.get(c.op) ?? []), c]);

test('fixtures cover every op on gray and RGB, square and non-square images', () => {
  for (const op of [
    'invert',
    'autoContrast',
    'equalize',
    'posterize',
    'solarize',
    'brightness',
    'contrast',
    'color',
    'sharpness',
    'rotate',
    'shearX',
    'shearY',
    'translateX',
    'translateY',
    'hflip',
    'vflip',
  ]) {
    const cases = byOp.get(op) ?? [];
    const shapes = new Set(cases.map((c) => images.get(c.image)!).map((i) => `${i.channels}:${i.height === i.width}`));
    assert.ok(shapes.has('1:true') && shapes.has('1:false') && shapes.has('3:false'), `${op}: ${[...shapes]}`);
  }
});

for (const [op, cases] of byOp) {
  test(`ops.${op} matches torchvision ${fixture.torchvision} (${cases.length} cases)`, () => {
    let total = 0,
      differing = 0;
    for (const c of cases) {
      const img = images.get(c.image)!;
      const before = img.data.slice();
      const out = run(op, img, c.arg, c.fill);
      assert.deepEqual(img.data, before, `${op} modified its input`);
      const exp = decode(c.out);
      const label = `${op}(${c.image}, ${JSON.stringify(c.arg)}${c.fill ? `, fill ${c.fill}` : ''})`;
      assert.equal(out.data.length, exp.length, `${label}: output size`);
      let d = 0,
        maxDiff = 0;
      for (let i = 0; i < exp.length; i++) {
        const e = Math.abs(exp[i]! - out.data[i]!);
        if (e) d++;
        if (e > maxDiff) maxDiff = e;
      }
      total += exp.length;
      differing += d;
      if (GEOMETRIC.has(op)) assert.ok(d <= exp.length * 0.01, `${label}: ${d}/${exp.length} pixels differ`);
      else if (PLUS_MINUS_ONE.has(op)) assert.ok(maxDiff <= 1, `${label}: max difference ${maxDiff}`);
      else assert.equal(d, 0, `${label}: ${d}/${exp.length} values differ (max ${maxDiff})`);
    }
    if (GEOMETRIC.has(op)) assert.ok(differing <= total * 0.01);
  });
}

test('magnitude bins equal torchvision _augmentation_space (float32 linspace, posterize rounding)', () => {
  const cmp = (key: string, space: augment.AugmentationSpace) => {
    const ref = fixture.bins[key]!;
    assert.deepEqual(
      space.map(([n]) => n),
      Object.keys(ref),
      `${key}: op order`,
    );
    for (const [opName, meta] of space) {
      const r = ref[opName]!;
      if (Array.isArray(r)) assert.deepEqual(meta.magnitudes, r, `${key} ${opName}`);
      else assert.equal(meta.magnitudes.length, 0, `${key} ${opName}`);
    }
  };
  for (const [h, w] of [
    [32, 32],
    [224, 224],
    [17, 23],
  ] as const) {
    cmp(`autoAugment_${h}x${w}`, augment.standardSpace(10, h, w, 'auto'));
    cmp(`randAugment_${h}x${w}`, augment.standardSpace(31, h, w, 'rand'));
  }
  cmp('trivialAugment', augment.wideSpace(31));
});

test('AutoAugment policy tables equal torchvision', () => {
  for (const [name, subs] of Object.entries(fixture.policies)) {
    const ours = augment.AUTO_AUGMENT_POLICIES[name as augment.AutoAugmentPolicyName];
    assert.deepEqual(
      ours.map((s) => s.map((step) => [...step])),
      subs,
      name,
    );
  }
});

test('translate magnitude uses the width for x and the height for y (docs/architecture.md, "Pitfalls we test")', () => {
  const space = new Map(augment.standardSpace(10, 20, 40, 'auto'));
  assert.equal(space.get('TranslateX')!.magnitudes[9], Math.fround((150 / 331) * 40));
  assert.equal(space.get('TranslateY')!.magnitudes[9], Math.fround((150 / 331) * 20));
});

test('posterize keeps the high bits; solarize inverts above the threshold', () => {
  const img: Image = { data: new Uint8Array([0, 15, 16, 127, 128, 255]), height: 1, width: 6, channels: 1 };
  assert.deepEqual([...ops.posterize(img, 4).data], [0, 0, 16, 112, 128, 240]);
  assert.deepEqual([...ops.posterize(img, 8).data], [...img.data]);
  assert.deepEqual([...ops.posterize(img, 0).data], [0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...ops.solarize(img, 128).data], [0, 15, 16, 127, 127, 0]);
});

test('crop, pad and erase', () => {
  const img: Image = { data: Uint8Array.from({ length: 12 }, (_, i) => i + 1), height: 3, width: 4, channels: 1 };
  assert.deepEqual([...ops.crop(img, 1, 1, 2, 2).data], [6, 7, 10, 11]);
  assert.deepEqual([...ops.crop(img, -1, 3, 2, 2, 9).data], [9, 9, 4, 9]);
  const p = ops.pad(img, [1, 0, 0, 1]);
  assert.equal(p.width, 5);
  assert.equal(p.height, 4);
  assert.deepEqual([...p.data.subarray(0, 5)], [0, 1, 2, 3, 4]);
  assert.deepEqual([...p.data.subarray(15)], [0, 0, 0, 0, 0]);
  assert.deepEqual([...ops.erase(img, 1, 2, 5, 5, 0).data], [1, 2, 3, 4, 5, 6, 0, 0, 9, 10, 0, 0]);
});

test('bad arguments name the op, the field and the accepted range', () => {
  const img: Image = { data: new Uint8Array(12), height: 2, width: 2, channels: 3 };
  assert.throws(() => ops.posterize(img, 9), /augment\.ops\.posterize: bits must be an integer in \[0, 8\], got 9/);
  assert.throws(() => ops.solarize(img, -1), /augment\.ops\.solarize: threshold must be a number in \[0, 255\]/);
  assert.throws(() => ops.brightness(img, -0.5), /augment\.ops\.brightness: factor must be a number >= 0, got -0\.5/);
  assert.throws(() => ops.hue(img, 0.7), /augment\.ops\.hue: factor must be a number in \[-0\.5, 0\.5\]/);
  assert.throws(() => ops.rotate(img, 10, [1, 2]), /augment\.ops\.rotate: fill must be/);
  assert.throws(() => ops.rotate(img, NaN), /augment\.ops\.rotate: degrees/);
  assert.throws(
    () => ops.invert({ data: new Uint8Array(11), height: 2, width: 2, channels: 3 }),
    /augment\.ops\.invert: img\.data\.length must be height·width·channels = 2·2·3 = 12, got 11/,
  );
  assert.throws(
    () => ops.equalize({ data: new Uint8Array(8), height: 2, width: 2, channels: 2 as any }),
    /augment\.ops\.equalize: img\.channels must be 1 or 3, got 2/,
  );
  assert.throws(
    () => ops.hflip({ data: [1, 2] as any, height: 1, width: 2, channels: 1 }),
    /img\.data must be a Uint8Array/,
  );
  assert.throws(() => ops.resize(img, 0, 3), /augment\.ops\.resize: height must be an integer >= 1, got 0/);
  assert.throws(() => ops.crop(img, 0, 0, -2, 1), /augment\.ops\.crop: height must be an integer >= 1, got -2/);
});

test('resizedCrop equals resize of the crop, without the copy', () => {
  const img = images.get('rgb18x22')!;
  for (const [t, l, h, w, oh, ow] of [
    [2, 3, 10, 12, 24, 20],
    [0, 0, 18, 22, 7, 9],
    [5, 1, 6, 6, 6, 6],
  ] as const) {
    assert.deepEqual(ops.resizedCrop(img, t, l, h, w, oh, ow).data, ops.resize(ops.crop(img, t, l, h, w), oh, ow).data);
  }
  assert.throws(
    () => ops.resizedCrop(img, 10, 0, 10, 5, 4, 4),
    /augment\.ops\.resizedCrop: h must be an integer in \[1, 8\], got 10/,
  );
});
