// Random transforms: parameter statistics, reproducibility, torchvision's AutoAugment walk, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as augment from '../../src/augment/index.js';
import type { Image } from '../../src/augment/index.js';
import { Rng } from '../../src/rng/index.js';
import { decode, fixture, images } from './fixtures.js';

function noise(h: number, w: number, c: 1 | 3, seed = 1): Image {
  const r = new Rng(seed);
  const data = new Uint8Array(h * w * c);
  for (let i = 0; i < data.length; i++) data[i] = r.int(256);
  return { data, height: h, width: w, channels: c };
}
function constant(h: number, w: number, c: 1 | 3, v: number): Image {
  return { data: new Uint8Array(h * w * c).fill(v), height: h, width: w, channels: c };
}
/** Pearson chi-square statistic of counts against a uniform expectation. */
function chi2(counts: number[]): number {
  const n = counts.reduce((a, b) => a + b, 0);
  const e = n / counts.length;
  return counts.reduce((a, c) => a + (c - e) ** 2 / e, 0);
}

test('AutoAugment applies sub-policies exactly as torchvision (fixed draws, every sub-policy, 3 policies)', () => {
  assert.ok(fixture.autoAugment.length >= 75);
  for (const c of fixture.autoAugment) {
    const t = augment.autoAugment({ policy: c.policy as augment.AutoAugmentPolicyName });
    const out = t.apply(images.get(c.image)!, c.params);
    assert.deepEqual(out.data, decode(c.out), `${c.policy} sub-policy ${c.params.policy} on ${c.image}`);
  }
});

test('AutoAugment chooses each sub-policy uniformly and applies each step with its probability', () => {
  for (const policy of ['imagenet', 'cifar10', 'svhn'] as const) {
    const t = augment.autoAugment({ policy });
    const rng = new Rng(101);
    const img = noise(8, 8, 3);
    const counts = new Array(25).fill(0);
    let firstApplied = 0;
    const N = 25000;
    for (let k = 0; k < N; k++) {
      const p = t.sample(img, rng);
      counts[p.policy]++;
      if (p.probs[0] <= 0.6) firstApplied++;
    }
    assert.ok(chi2(counts) < 51.2, `${policy}: chi2 ${chi2(counts)} (df 24, p = 0.001)`);
    assert.ok(Math.abs(firstApplied / N - 0.6) < 0.015);
  }
});

test('RandAugment: n ops uniformly over 14, all at bin m, random sign on signed ops', () => {
  const t = augment.randAugment({ n: 2, m: 9 });
  const rng = new Rng(5);
  const img = noise(32, 32, 3);
  const space = new Map(augment.standardSpace(31, 32, 32, 'rand'));
  const counts = new Map<string, number>();
  let negative = 0,
    signed = 0;
  for (let k = 0; k < 14000; k++) {
    const choices = t.sample(img, rng);
    assert.equal(choices.length, 2);
    for (const c of choices) {
      counts.set(c.op, (counts.get(c.op) ?? 0) + 1);
      const meta = space.get(c.op)!;
      assert.equal(Math.abs(c.magnitude), meta.magnitudes.length ? Math.abs(meta.magnitudes[9]!) : 0);
      if (meta.signed) {
        signed++;
        if (c.magnitude < 0) negative++;
      }
    }
  }
  assert.equal(counts.size, 14);
  assert.ok(chi2([...counts.values()]) < 34.5, 'op choice uniform (df 13)');
  assert.ok(Math.abs(negative / signed - 0.5) < 0.02);
  assert.ok(!counts.has('Invert'));
  const out = t(img, new Rng(1));
  assert.equal(out.data.length, img.data.length);
});

test('TrivialAugment: one op uniformly over 14, a uniformly chosen bin', () => {
  const t = augment.trivialAugment();
  const rng = new Rng(6);
  const img = noise(16, 16, 1);
  const space = new Map(augment.wideSpace(31));
  const ops = new Map<string, number>();
  const rotBins = new Array(31).fill(0);
  for (let k = 0; k < 28000; k++) {
    const c = t.sample(img, rng);
    ops.set(c.op, (ops.get(c.op) ?? 0) + 1);
    const mags = space.get(c.op)!.magnitudes;
    if (mags.length) assert.ok(mags.includes(Math.abs(c.magnitude)), `${c.op} ${c.magnitude}`);
    if (c.op === 'Rotate') rotBins[mags.indexOf(Math.abs(c.magnitude))]++;
  }
  assert.equal(ops.size, 14);
  assert.ok(chi2([...ops.values()]) < 34.5);
  assert.ok(chi2(rotBins) < 59.7, 'rotation bins uniform (df 30)');
});

test('Random Erasing (seed defaults): rate ≈ p, area fraction and aspect within bounds and spread across them', () => {
  const t = augment.randomErasing();
  const rng = new Rng(7);
  const img = noise(100, 100, 3);
  const areas: number[] = [];
  const logAspects: number[] = [];
  let erased = 0;
  const N = 20000;
  for (let k = 0; k < N; k++) {
    const q = t.sample(img, rng);
    if (!q.erase) continue;
    erased++;
    assert.ok(q.height < 100 && q.width < 100 && q.top >= 0 && q.left >= 0);
    assert.ok(q.top + q.height <= 100 && q.left + q.width <= 100);
    const frac = (q.height * q.width) / 10000;
    // rounding h and w to integers moves the area by at most ~(h + w)/2 pixels
    const tol = (q.height + q.width) / 2 / 10000 + 1e-9;
    assert.ok(frac >= 0.02 - tol && frac <= 0.4 + tol, `area ${frac}`);
    const aspect = q.height / q.width;
    assert.ok(aspect >= 0.3 * 0.85 && aspect <= (1 / 0.3) * 1.15, `aspect ${aspect}`);
    areas.push(frac);
    logAspects.push(Math.log(aspect));
  }
  assert.ok(Math.abs(erased / N - 0.5) < 0.015, `rate ${erased / N}`);
  // area is uniform in [0.02, 0.4] among accepted draws (large rectangles with extreme aspect are rejected more,
  // so require every fifth of the range to be well populated rather than exactly uniform)
  const abins = new Array(5).fill(0);
  for (const a of areas) abins[Math.min(4, Math.max(0, Math.floor(((a - 0.02) / 0.38) * 5)))]++;
  for (const b of abins) assert.ok(b > areas.length * 0.1, `area bins ${abins}`);
  // uniform aspect sampling (Zhong): spread over [r1, 1/r1] in linear scale, so more mass at aspect > 1 than < 1
  const above = logAspects.filter((x) => x > 0).length / logAspects.length;
  assert.ok(above > 0.6, `share of tall rectangles ${above}`);
  const rbins = new Array(5).fill(0);
  for (const la of logAspects)
    rbins[Math.min(4, Math.max(0, Math.floor(((Math.exp(la) - 0.3) / (1 / 0.3 - 0.3)) * 5)))]++;
  for (const b of rbins) assert.ok(b > logAspects.length * 0.12, `aspect bins ${rbins}`);
  // torchvision preset: log-uniform aspect → symmetric in log space
  const tv = augment.randomErasing({ preset: 'torchvision', p: 1 });
  let tall = 0,
    n = 0;
  const lbins = new Array(5).fill(0);
  for (let k = 0; k < 5000; k++) {
    const q = tv.sample(img, rng);
    if (!q.erase) continue;
    n++;
    if (q.height > q.width) tall++;
    const u = Math.log(q.height / q.width / 0.3) / Math.log(3.3 / 0.3);
    lbins[Math.min(4, Math.max(0, Math.floor(u * 5)))]++;
    assert.ok((q.height * q.width) / 10000 <= 0.33 + (q.height + q.width) / 20000);
  }
  assert.ok(Math.abs(tall / n - 0.5) < 0.04, `torchvision tall share ${tall / n}`);
  for (const b of lbins) assert.ok(b > n * 0.14, `log-aspect bins ${lbins}`);
});

test('Random Erasing fills: mean pixel (seed default), constant, random; gray uses the first mean value', () => {
  const img = constant(20, 20, 3, 7);
  const rng = new Rng(8);
  const out = augment.randomErasing({ p: 1 })(img, rng);
  const vals = new Set<string>();
  for (let i = 0; i < out.data.length; i += 3) vals.add(`${out.data[i]},${out.data[i + 1]},${out.data[i + 2]}`);
  assert.deepEqual([...vals].sort(), ['125,123,114', '7,7,7']);
  const g = augment.randomErasing({ p: 1 })(constant(20, 20, 1, 7), rng);
  assert.deepEqual([...new Set(g.data)].sort(), [125, 7]);
  const c = augment.randomErasing({ p: 1, fill: [1, 2, 3] })(img, rng);
  assert.ok(c.data.includes(2));
  const r = augment.randomErasing({ p: 1, fill: 'random' })(img, rng);
  assert.ok(new Set(r.data).size > 50);
  assert.deepEqual(img.data, new Uint8Array(1200).fill(7), 'input untouched');
});

test('Cutout: holes of side length centred anywhere, length//2 each side, clipped at the borders', () => {
  const t = augment.cutout({ holes: 1, length: 16 });
  const rng = new Rng(9);
  const img = constant(32, 32, 1, 200);
  let clipped = 0;
  for (let k = 0; k < 500; k++) {
    const q = t.sample(img, rng);
    const [cy, cx] = [q.centers[0]!, q.centers[1]!];
    const h = Math.min(32, cy + 8) - Math.max(0, cy - 8);
    const w = Math.min(32, cx + 8) - Math.max(0, cx - 8);
    if (h * w < 256) clipped++;
    const out = t.apply(img, q);
    const zeros = out.data.filter((v) => v === 0).length;
    assert.equal(zeros, h * w);
    assert.equal(out.data[Math.max(0, cy - 8) * 32 + Math.max(0, cx - 8)], 0);
  }
  assert.ok(clipped > 200, 'centres anywhere: many holes are clipped');
  const centers = new Array(4).fill(0);
  for (let k = 0; k < 8000; k++) centers[Math.floor(t.sample(img, rng).centers[0]! / 8)]++;
  assert.ok(chi2(centers) < 16.3, 'centre rows uniform');
  const two = augment.cutout({ holes: 2, length: 5, fill: 9 })(constant(10, 10, 3, 1), rng);
  assert.ok(two.data.includes(9));
});

test('flips: rate ≈ p; p = 0 and p = 1 are exact', () => {
  const img = noise(4, 5, 3);
  const rng = new Rng(10);
  const t = augment.randomHorizontalFlip({ p: 0.3 });
  let flips = 0;
  for (let k = 0; k < 20000; k++) if (t.sample(img, rng)) flips++;
  assert.ok(Math.abs(flips / 20000 - 0.3) < 0.012, `rate ${flips / 20000}`);
  assert.deepEqual(augment.randomHorizontalFlip({ p: 1 })(img, rng).data, augment.ops.hflip(img).data);
  assert.equal(augment.randomHorizontalFlip({ p: 0 })(img, rng).data, img.data);
  assert.deepEqual(augment.randomVerticalFlip({ p: 1 })(img, rng).data, augment.ops.vflip(img).data);
});

test('random crop with padding: offsets uniform over the padded image, padding is zero', () => {
  const img = constant(32, 32, 3, 50);
  const t = augment.randomCrop({ size: 32, padding: 4 });
  const rng = new Rng(11);
  const tops = new Array(9).fill(0);
  for (let k = 0; k < 18000; k++) {
    const q = t.sample(img, rng);
    tops[q.top]++;
    assert.ok(q.left >= 0 && q.left <= 8);
  }
  assert.ok(chi2(tops) < 26.1, `tops ${tops}`);
  const out = t.apply(img, { top: 0, left: 8 });
  assert.equal(out.height, 32);
  assert.equal(out.data[0], 0); // row 0 comes from the top padding
  assert.equal(out.data[(4 * 32 + 0) * 3], 50);
  assert.equal(out.data[(4 * 32 + 31) * 3], 0); // right padding
  const small = augment.randomCrop({ size: [20, 24], padIfNeeded: true })(constant(10, 10, 1, 3), rng);
  assert.equal(small.height, 20);
  assert.equal(small.width, 24);
});

test('random resized crop: area and aspect in range, output size, centre-crop fallback', () => {
  const img = noise(60, 80, 3);
  const t = augment.randomResizedCrop({ size: 24 });
  const rng = new Rng(12);
  for (let k = 0; k < 2000; k++) {
    const q = t.sample(img, rng);
    assert.ok(q.top >= 0 && q.left >= 0 && q.top + q.height <= 60 && q.left + q.width <= 80);
    const frac = (q.height * q.width) / 4800;
    assert.ok(frac >= 0.08 * 0.8 && frac <= 1, `${frac}`);
  }
  const out = t(img, rng);
  assert.equal(out.height, 24);
  assert.equal(out.width, 24);
  // impossible area range → fallback: whole image clipped to the ratio bounds, centred
  const fb = augment.randomResizedCrop({ size: [10, 10], scale: [2, 3], ratio: [1, 1] });
  assert.deepEqual(fb.sample(img, rng), { top: 0, left: 10, height: 60, width: 60 });
});

test('rotation and color jitter draw within their ranges', () => {
  const img = noise(12, 12, 3);
  const rng = new Rng(13);
  const rot = augment.randomRotation({ degrees: 15 });
  for (let k = 0; k < 1000; k++) {
    const a = rot.sample(img, rng);
    assert.ok(a >= -15 && a < 15);
  }
  const cj = augment.colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 });
  for (let k = 0; k < 1000; k++) {
    const q = cj.sample(img, rng);
    assert.deepEqual([...q.order].sort(), [0, 1, 2, 3]);
    assert.ok(q.brightness! >= 0.6 && q.brightness! < 1.4);
    assert.ok(q.hue! >= -0.1 && q.hue! < 0.1);
  }
  const q = cj.sample(img, rng);
  let expected = img;
  for (const k of q.order) {
    if (k === 0) expected = augment.ops.brightness(expected, q.brightness!);
    if (k === 1) expected = augment.ops.contrast(expected, q.contrast!);
    if (k === 2) expected = augment.ops.color(expected, q.saturation!);
    if (k === 3) expected = augment.ops.hue(expected, q.hue!);
  }
  assert.deepEqual(cj.apply(img, q).data, expected.data);
  assert.equal(augment.colorJitter({ brightness: 0 }).sample(img, rng).brightness, null);
});

test('PCA lighting: ImageNet defaults (REFERENCES.md), offset per channel, alphaStd 0 is identity', () => {
  assert.deepEqual(augment.IMAGENET_EIGVAL, [0.2175, 0.0188, 0.0045]);
  assert.deepEqual(augment.IMAGENET_EIGVEC[0], [-0.5675, 0.7192, 0.4009]);
  const img = constant(4, 4, 3, 100);
  const t = augment.pcaLighting();
  const alpha = new Float64Array([0.1, -0.2, 0.05]);
  const out = t.apply(img, alpha);
  for (let i = 0; i < 3; i++) {
    let off = 0;
    for (let j = 0; j < 3; j++) off += augment.IMAGENET_EIGVEC[i]![j]! * alpha[j]! * augment.IMAGENET_EIGVAL[j]!;
    assert.equal(out.data[i], Math.round(100 + 255 * off));
  }
  const rng = new Rng(14);
  let s = 0,
    s2 = 0;
  for (let k = 0; k < 5000; k++) {
    const a = t.sample(img, rng);
    s += a[0]!;
    s2 += a[0]! * a[0]!;
  }
  assert.ok(Math.abs(Math.sqrt(s2 / 5000 - (s / 5000) ** 2) - 0.1) < 0.005, 'alpha std 0.1');
  assert.deepEqual(augment.pcaLighting({ alphaStd: 0 })(img, rng).data, img.data);
});

test('computePcaLighting recovers the principal axes of a known pixel distribution', () => {
  const rng = new Rng(15);
  const v1 = [1 / Math.sqrt(3), 1 / Math.sqrt(3), 1 / Math.sqrt(3)];
  const v2 = [1 / Math.sqrt(2), -1 / Math.sqrt(2), 0];
  const imgs: Image[] = [];
  for (let n = 0; n < 20; n++) {
    const img = constant(16, 16, 3, 0);
    for (let p = 0; p < 256; p++) {
      const a = rng.normal(0, 0.15),
        b = rng.normal(0, 0.05);
      for (let c = 0; c < 3; c++)
        img.data[p * 3 + c] = Math.round(255 * Math.min(1, Math.max(0, 0.5 + a * v1[c]! + b * v2[c]!)));
    }
    imgs.push(img);
  }
  const { eigval, eigvec } = augment.computePcaLighting(imgs);
  assert.ok(Math.abs(eigval[0]! - 0.0225) < 0.003, `eigval ${eigval}`);
  assert.ok(Math.abs(eigval[1]! - 0.0025) < 0.0005, `eigval ${eigval}`);
  assert.ok(eigval[2]! < 0.0003);
  const dot = (j: number, v: number[]) =>
    Math.abs(eigvec[0]![j]! * v[0]! + eigvec[1]![j]! * v[1]! + eigvec[2]![j]! * v[2]!);
  assert.ok(dot(0, v1) > 0.99 && dot(1, v2) > 0.99);
  assert.ok(eigvec[0]![0]! <= 0, 'sign convention of the ImageNet values');
  const t = augment.pcaLighting({ eigval, eigvec });
  assert.equal(t(imgs[0]!, rng).data.length, 768);
});

test('normalize: [B,H,W,C] float32 equal to ToTensor + Normalize', () => {
  const a = noise(3, 2, 3, 1),
    b = noise(3, 2, 3, 2);
  const mean = [0.4914, 0.4822, 0.4465],
    std = [0.247, 0.2435, 0.2616];
  const out = augment.normalize([a, b], mean, std);
  assert.equal(out.length, 2 * 3 * 2 * 3);
  const f = Math.fround;
  for (const [k, img] of [a, b].entries())
    for (let i = 0; i < 18; i++) {
      const c = i % 3;
      assert.equal(out[k * 18 + i], f(f(f(img.data[i]! / 255) - f(mean[c]!)) / f(std[c]!)));
    }
  assert.deepEqual(
    Array.from(augment.toFloat(a)),
    Array.from(a.data, (v) => f(v / 255)),
  );
  assert.equal(augment.toFloatBatch([a, b]).length, 36);
  assert.throws(
    () => augment.normalize([a, noise(2, 3, 3)], mean, std),
    /augment\.normalize: images\[1\] must be the size of images\[0\], 3x2x3/,
  );
  assert.throws(() => augment.normalize([a], [0.5, 0.5], std), /augment\.normalize: mean must be 1 or 3 values/);
  assert.throws(() => augment.normalize([a], mean, [0.2, 0, 0.2]), /augment\.normalize: std must be positive numbers/);
});

test('same seed → identical output; different seeds differ (whole CIFAR pipeline)', () => {
  const pipeline = augment.compose([
    augment.randomCrop({ size: 32, padding: 4 }),
    augment.randomHorizontalFlip(),
    augment.autoAugment({ policy: 'cifar10' }),
    augment.randomErasing(),
    augment.cutout({ holes: 1, length: 8 }),
    augment.colorJitter({ brightness: 0.2, hue: 0.05 }),
    augment.pcaLighting(),
    augment.randAugment(),
    augment.trivialAugment(),
    augment.randomRotation({ degrees: 10 }),
  ]);
  const img = noise(32, 32, 3, 3);
  const run = (seed: number) => {
    const rng = new Rng(seed);
    return Array.from({ length: 20 }, () => pipeline(img, rng).data);
  };
  assert.deepEqual(run(42), run(42));
  assert.notDeepEqual(run(42), run(43));
  const rng = new Rng(1);
  const state = rng.getState();
  const x = pipeline(img, rng);
  rng.setState(state);
  assert.deepEqual(pipeline(img, rng).data, x.data);
  // ImageNet-style pipeline on a non-square image
  const big = augment.compose([augment.randomResizedCrop({ size: 56 }), augment.autoAugment({ policy: 'imagenet' })]);
  assert.equal(big(noise(70, 90, 3), new Rng(2)).width, 56);
});

test('bad arguments throw errors naming the transform, the field and the accepted range', () => {
  const img = noise(8, 8, 3);
  const rng = new Rng(1);
  assert.throws(() => augment.randomCrop({ size: -3 }), /augment\.randomCrop: size must be an integer >= 1, got -3/);
  assert.throws(
    () => augment.randomCrop({ size: 32, padding: -1 }),
    /augment\.randomCrop: padding must be an integer >= 0, got -1/,
  );
  assert.throws(
    () => augment.randomCrop({ size: 40 })(img, rng),
    /augment\.randomCrop: size must be at most the padded image size 8x8/,
  );
  assert.throws(
    () => augment.randomHorizontalFlip({ p: 1.5 }),
    /augment\.randomHorizontalFlip: p must be a probability in \[0, 1\], got 1\.5/,
  );
  assert.throws(
    () => augment.randomErasing({ p: -0.1 }),
    /augment\.randomErasing: p must be a probability in \[0, 1\], got -0\.1/,
  );
  assert.throws(
    () => augment.randomErasing({ scale: [0.5, 0.1] }),
    /augment\.randomErasing: scale must be \[min, max\] with 0 <= min <= max <= 1/,
  );
  assert.throws(
    () => augment.randomErasing({ fill: 'median' as any }),
    /augment\.randomErasing: fill must be 'mean', 'random'/,
  );
  assert.throws(
    () => augment.autoAugment({ policy: 'coco' as any }),
    /augment\.autoAugment: policy must be 'imagenet', 'cifar10' or 'svhn', got "coco"/,
  );
  assert.throws(
    () => augment.randAugment({ m: 31 }),
    /augment\.randAugment: m must be an integer in \[0, 30\], got 31/,
  );
  assert.throws(() => augment.cutout({ length: -4 }), /augment\.cutout: length must be an integer >= 0, got -4/);
  assert.throws(() => augment.colorJitter({ hue: 0.7 }), /augment\.colorJitter: hue must be a number in \[0, 0\.5\]/);
  assert.throws(
    () => augment.randomRotation({ degrees: -5 }),
    /augment\.randomRotation: degrees must be a number in \[0, 360\]/,
  );
  assert.throws(
    () => augment.randomResizedCrop({ size: 0 }),
    /augment\.randomResizedCrop: size must be an integer >= 1, got 0/,
  );
  assert.throws(
    () => augment.pcaLighting()(noise(4, 4, 1), rng),
    /augment\.pcaLighting: img\.channels must be 3 \(the size of eigval\), got 1/,
  );
  assert.throws(
    () => augment.pcaLighting({ alphaStd: -1 }),
    /augment\.pcaLighting: alphaStd must be a number >= 0, got -1/,
  );
  assert.throws(
    () => augment.randomHorizontalFlip()({ data: new Uint8Array(10), height: 2, width: 2, channels: 3 }, rng),
    /augment\.randomHorizontalFlip: img\.data\.length must be height·width·channels = 2·2·3 = 12, got 10/,
  );
  assert.throws(
    () => augment.autoAugment()({ data: new Uint8Array(16), height: 2, width: 2, channels: 4 as any }, rng),
    /augment\.autoAugment: img\.channels must be 1 or 3, got 4/,
  );
  assert.throws(
    () => augment.randomCrop({ size: 4, padding: 1, bogus: 1 } as any),
    /augment\.randomCrop: bogus must be one of the options/,
  );
  assert.throws(
    () => augment.compose([augment.randomHorizontalFlip(), 3 as any]),
    /augment\.compose: transforms\[1\] must be a function/,
  );
});

test('every transform and op handles tiny images (1×1 to 5×5, gray and RGB)', () => {
  const rng = new Rng(21);
  const transforms: augment.Transform[] = [
    augment.randomCrop({ size: 1 }),
    augment.randomCrop({ size: 2, padding: 1, padIfNeeded: true }),
    augment.randomResizedCrop({ size: 3 }),
    augment.randomHorizontalFlip(),
    augment.randomRotation({ degrees: 180 }),
    augment.colorJitter({ brightness: 0.5, contrast: 0.5, saturation: 0.5, hue: 0.5 }),
    augment.cutout({ holes: 3, length: 3, fill: 'random' }),
    augment.cutout({ length: 0 }),
    augment.randomErasing({ p: 1 }),
    augment.randomErasing({ p: 1, fill: 'random', preset: 'torchvision' }),
    augment.autoAugment({ policy: 'svhn' }),
    augment.autoAugment({ policy: 'imagenet', fill: 7 }),
    augment.randAugment({ n: 4, m: 30 }),
    augment.trivialAugment({ fill: [1] }),
  ];
  const unary = ['invert', 'autoContrast', 'equalize', 'hflip', 'vflip'] as const;
  const withArg = [
    ['posterize', 3],
    ['solarize', 100],
    ['brightness', 1.5],
    ['contrast', 0.5],
    ['color', 1.5],
    ['sharpness', 1.9],
    ['hue', 0.2],
    ['rotate', 45],
    ['shearX', -0.5],
    ['shearY', 0.5],
    ['translateX', 2],
    ['translateY', -1],
  ] as const;
  for (let k = 0; k < 300; k++) {
    const h = 1 + rng.int(5),
      w = 1 + rng.int(5),
      c: 1 | 3 = rng.bernoulli(0.5) ? 3 : 1;
    const img: Image = { data: new Uint8Array(h * w * c).map(() => rng.int(256)), height: h, width: w, channels: c };
    for (const t of transforms) augment.checkImage('test', t(img, rng));
    for (const op of unary) assert.equal(augment.ops[op](img).data.length, h * w * c);
    for (const [op, v] of withArg)
      assert.equal((augment.ops[op] as (i: Image, v: number) => Image)(img, v).data.length, h * w * c);
  }
});
