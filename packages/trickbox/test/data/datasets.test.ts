import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  fashionMnist,
  cifar10,
  cifar100,
  imageFolder,
  splitDataset,
  subset,
  channelStats,
  pixelPca,
  DEFAULT_FASHION_MNIST_DIR,
  type Dataset,
} from '../../src/data/index.js';
import { bombPng, cifarBytes, idxBytes, pix, tempDir, writeIdxSet, writeImageFolder } from './files.js';

test('fashionMnist reads gzip and raw IDX files with the right pixels and labels', () => {
  for (const gzip of [true, false]) {
    const dir = tempDir();
    writeIdxSet(dir, { n: 20, m: 10, h: 6, w: 5, gzip });
    const { train, test: t } = fashionMnist({ dir });
    assert.equal(train.labels.length, 20);
    assert.equal(t.labels.length, 10);
    assert.deepEqual([train.height, train.width, train.channels], [6, 5, 1]);
    assert.equal(train.images[3 * 30 + 7], pix(3, 7));
    assert.equal(train.labels[13], 3);
    assert.equal(train.classNames[9], 'Ankle boot');
  }
});

test('fashionMnist rejects bad IDX files with an error naming the file', () => {
  const cases: [string, (dir: string) => void, RegExp][] = [
    [
      'wrong magic',
      (d) => writeFileSync(join(d, 'train-images-idx3-ubyte.gz'), idxBytes([20, 6, 5], new Uint8Array(600), 0x801)),
      /train-images-idx3-ubyte\.gz: bad IDX magic 0x00000801, expected 0x00000803/,
    ],
    [
      'truncated data',
      (d) => writeFileSync(join(d, 'train-images-idx3-ubyte.gz'), idxBytes([20, 6, 5], new Uint8Array(599))),
      /train-images-idx3-ubyte\.gz: truncated/,
    ],
    [
      'truncated header',
      (d) => writeFileSync(join(d, 't10k-labels-idx1-ubyte.gz'), Buffer.from([0, 0])),
      /t10k-labels-idx1-ubyte\.gz: truncated IDX header/,
    ],
    [
      'count mismatch',
      (d) => writeFileSync(join(d, 'train-labels-idx1-ubyte.gz'), idxBytes([19], new Uint8Array(19))),
      /train-labels-idx1-ubyte\.gz: 19 labels but .*train-images-idx3-ubyte\.gz holds 20 images/,
    ],
    [
      'label out of range',
      (d) => writeFileSync(join(d, 'train-labels-idx1-ubyte.gz'), idxBytes([20], new Uint8Array(20).fill(12))),
      /label 12 at index 0 is out of range/,
    ],
    [
      'corrupt gzip',
      (d) => writeFileSync(join(d, 'train-images-idx3-ubyte.gz'), Buffer.from([0x1f, 0x8b, 1, 2, 3])),
      /train-images-idx3-ubyte\.gz: corrupt gzip/,
    ],
  ];
  for (const [name, corrupt, re] of cases) {
    const dir = tempDir();
    writeIdxSet(dir);
    corrupt(dir);
    assert.throws(() => fashionMnist({ dir }), re, name);
  }
  assert.throws(() => fashionMnist({ dir: tempDir() }), /train-images-idx3-ubyte\.gz: not found/);
});

test(
  'the real Fashion-MNIST from the Debian package loads with 60000 + 10000 images',
  { skip: !existsSync(DEFAULT_FASHION_MNIST_DIR) },
  () => {
    const { train, test: t } = fashionMnist();
    assert.equal(train.labels.length, 60000);
    assert.equal(t.labels.length, 10000);
    assert.equal(train.images.length, 60000 * 784);
    const counts = new Array(10).fill(0);
    for (const y of t.labels) counts[y]++;
    assert.deepEqual(counts, new Array(10).fill(1000)); // the test set is balanced (Xiao et al. 2017)
  },
);

test('cifar10 / cifar100 read binary batches, converting CHW planes to HWC', () => {
  const dir = tempDir();
  const sub = join(dir, 'cifar-10-batches-bin');
  mkdirSync(sub);
  for (let k = 1; k <= 5; k++) writeFileSync(join(sub, `data_batch_${k}.bin`), cifarBytes(2, 1, k * 10));
  writeFileSync(join(sub, 'test_batch.bin'), cifarBytes(3, 1));
  const { train, test: t } = cifar10({ dir });
  assert.equal(train.labels.length, 10);
  assert.equal(t.labels.length, 3);
  // image 1 of the test batch: pixel p of channel c is byte c*1024 + p of its record
  assert.equal(t.images[1 * 3072 + 5 * 3 + 2], pix(1, 2048 + 5));
  assert.equal(t.images[1 * 3072 + 5 * 3 + 0], pix(1, 5));
  assert.equal(t.classNames[0], 'airplane');
  writeFileSync(join(sub, 'test_batch.bin'), cifarBytes(3, 1).subarray(0, 3073 * 3 - 1));
  assert.throws(() => cifar10({ dir }), /test_batch\.bin: length 9218 is not a positive multiple of the 3073-byte/);

  const d100 = tempDir();
  writeFileSync(join(d100, 'train.bin'), cifarBytes(4, 2));
  writeFileSync(join(d100, 'test.bin'), cifarBytes(2, 2));
  const c100 = cifar100({ dir: d100 });
  assert.equal(c100.train.labels[2], 3); // fine label = second byte = (i + 1) % 10
  assert.equal(c100.train.classNames.length, 100);
  assert.equal(cifar100({ dir: d100, labels: 'coarse' }).train.labels[2], 2);
});

test('imageFolder decodes PNG/JPEG/WebP, resizes and labels by sorted sub-folder', async () => {
  const dir = tempDir();
  await writeImageFolder(dir, ['dog', 'cat'], 3);
  const ds = await imageFolder({ dir, height: 8, width: 9, channels: 3, log: () => undefined });
  assert.deepEqual(ds.classNames, ['cat', 'dog']);
  assert.equal(ds.labels.length, 6);
  assert.equal(ds.images.length, 6 * 8 * 9 * 3);
  assert.deepEqual(Array.from(ds.labels), [0, 0, 0, 1, 1, 1]);
  // solid colour survives decoding and resizing (JPEG/WebP within a few levels)
  assert.ok(Math.abs(ds.images[2] - 200) <= 4, `blue ${ds.images[2]}`);
  const grey = await imageFolder({ dir, height: 4, width: 4, channels: 1 });
  assert.equal(grey.images.length, 6 * 16);
});

test('imageFolder: bad files stop with the file name, or are skipped and logged', async () => {
  const bad: [string, Buffer | string][] = [
    ['corrupt.jpg', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(50, 7)])],
    ['empty.png', Buffer.alloc(0)],
    ['notes.txt', 'this is not an image'],
    ['bomb.png', bombPng(100000, 100000)],
  ];
  for (const [name, content] of bad) {
    const dir = tempDir();
    await writeImageFolder(dir, ['a', 'b'], 2);
    writeFileSync(join(dir, 'b', name), content);
    await assert.rejects(
      imageFolder({ dir, height: 4, width: 4 }),
      (e: Error) => e.message.includes(join(dir, 'b', name)),
      name,
    );
    const logs: string[] = [];
    const ds = await imageFolder({ dir, height: 4, width: 4, skipBadImages: true, log: (m) => logs.push(m) });
    assert.equal(ds.labels.length, 4, name);
    assert.equal(logs.length, 1);
    assert.match(logs[0], new RegExp(`skipping .*${name.replace('.', '\\.')}`));
  }
  // the bomb is refused by the pixel limit, not by running out of memory
  const dir = tempDir();
  await writeImageFolder(dir, ['a'], 1);
  writeFileSync(join(dir, 'a', 'bomb.png'), bombPng(100000, 100000));
  await assert.rejects(imageFolder({ dir, height: 4, width: 4 }), /pixel limit/i);
});

test('imageFolder checks every file first: one error lists the bad ones (10, then a count), sorted', async () => {
  const dir = tempDir();
  await writeImageFolder(dir, ['a', 'b'], 2);
  const names = Array.from({ length: 13 }, (_, i) => `bad${String(i).padStart(2, '0')}.png`);
  for (const n of names) writeFileSync(join(dir, n < 'bad07' ? 'a' : 'b', n), n.endsWith('3.png') ? '' : 'text');
  const err = await imageFolder({ dir, height: 4, width: 4 }).then(
    () => assert.fail('no error'),
    (e: Error) => e,
  );
  const msg = err.message;
  assert.ok(msg.startsWith(`${dir}: cannot decode 13 images: `), msg);
  assert.doesNotMatch(msg, /\n/);
  const listed = names.slice(0, 10).map((n) => join(dir, n < 'bad07' ? 'a' : 'b', n));
  assert.deepEqual(
    [...msg.matchAll(/(\/[^ ;]+\.png) \(/g)].map((m) => m[1]),
    listed,
  );
  assert.match(msg, /bad03\.png \(empty file\)/);
  assert.match(msg, /bad09\.png \([^)]+\) and 3 more; use skipBadImages \/ --skip-bad-images/);
});

test('imageFolder does not follow symbolic links leading out of the folder', async () => {
  const outside = tempDir();
  await writeImageFolder(outside, ['x'], 2);
  const dir = tempDir();
  await writeImageFolder(dir, ['a', 'b'], 1);
  symlinkSync(join(outside, 'x', 'img0.png'), join(dir, 'a', 'escape.png'));
  symlinkSync(join(outside, 'x'), join(dir, 'c'));
  symlinkSync(join(dir, 'b', 'img0.png'), join(dir, 'a', 'inside.png'));
  const logs: string[] = [];
  const ds = await imageFolder({ dir, height: 4, width: 4, log: (m) => logs.push(m) });
  assert.deepEqual(ds.classNames, ['a', 'b']);
  assert.equal(ds.labels.length, 3); // a/img0, a/inside (link within the folder), b/img0
  assert.equal(logs.length, 2);
  assert.ok(logs.every((l) => /leads out of/.test(l)));
});

function toy(n: number, classes = 4): Dataset {
  const images = new Uint8Array(n * 4);
  for (let i = 0; i < n * 4; i++) images[i] = (i * 13) % 256;
  return {
    images,
    labels: Int32Array.from({ length: n }, (_, i) => i % classes),
    height: 2,
    width: 2,
    channels: 1,
    classNames: ['a', 'b', 'c', 'd'].slice(0, classes),
  };
}

test('splitDataset is seeded, disjoint, complete and stratified; subset is seeded', () => {
  const ds = toy(100);
  const a = splitDataset(ds, { valFraction: 0.2, seed: 7 });
  const b = splitDataset(ds, { valFraction: 0.2, seed: 7 });
  const c = splitDataset(ds, { valFraction: 0.2, seed: 8 });
  assert.equal(a.val.labels.length, 20);
  assert.equal(a.train.labels.length, 80);
  assert.deepEqual(a.val.images, b.val.images);
  assert.notDeepEqual(a.val.images, c.val.images);
  for (let k = 0; k < 4; k++) assert.equal(a.val.labels.filter((y) => y === k).length, 5);
  // every image lands in exactly one side: compare the multiset of first bytes
  const all = [...a.train.images.filter((_, i) => i % 4 === 0), ...a.val.images.filter((_, i) => i % 4 === 0)].sort(
    (x, y) => x - y,
  );
  assert.deepEqual(
    all,
    Array.from(ds.images.filter((_, i) => i % 4 === 0)).sort((x, y) => x - y),
  );
  assert.throws(
    () => splitDataset(ds, { valFraction: 1.5 }),
    /data\.splitDataset: valFraction must be in \[0, 1\), got 1\.5/,
  );
  const s = subset(ds, 10, 3);
  assert.equal(s.labels.length, 10);
  assert.deepEqual(s.images, subset(ds, 10, 3).images);
  assert.throws(() => subset(ds, 0), /data\.subset: size must be an integer >= 1, got 0/);
});

test('channelStats and pixelPca match direct computations', () => {
  const rgb: Dataset = {
    images: Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]),
    labels: Int32Array.from([0]),
    height: 2,
    width: 2,
    channels: 3,
    classNames: ['x'],
  };
  const { mean, std } = channelStats(rgb);
  assert.deepEqual(mean, [0.5, 0.5, 0.5]);
  for (const s of std) assert.ok(Math.abs(s - 0.5) < 1e-12);
  const { eigval, eigvec } = pixelPca(rgb);
  // covariance: 0.25 on the diagonal, 0 off it... (r,g,b) pairs: (1,0,0),(0,1,0),(0,0,1),(1,1,1) − 0.5
  // cov_ij = E[(x_i−½)(x_j−½)] = 0.25 if i=j else 0 → all eigenvalues 0.25
  for (const v of eigval) assert.ok(Math.abs(v - 0.25) < 1e-12);
  // eigenvectors are orthonormal
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) {
      const dot = eigvec[0][i] * eigvec[0][j] + eigvec[1][i] * eigvec[1][j] + eigvec[2][i] * eigvec[2][j];
      assert.ok(Math.abs(dot - (i === j ? 1 : 0)) < 1e-9);
    }
});
