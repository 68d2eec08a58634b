// Bad data end to end through `trickbox train` (the loaders' own unit tests are in test/data): every fault stops with
// exit code 2 and one line naming the file; with --skip-bad-images each bad image is logged once and training goes on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { bombPng, cifarBytes, idxBytes, writeIdxSet, writeImageFolder } from '../data/files.js';
import { cliInProcess, tempDir, tinyRecipeFile } from './helpers.js';

const root = tempDir();
const recipeFor = (name: string, data: Record<string, unknown>): string =>
  tinyRecipeFile(join(root, `${name}.json`), '', {
    data: { workers: 0, ...data },
    training: { epochs: 1, batchSize: 4, seed: 1, logEvery: 1 },
    schedule: { name: 'constant', warmupEpochs: 0 },
  });
let runs = 0;
const train = (recipe: string, ...extra: string[]) =>
  cliInProcess(['train', recipe, '--out', join(root, `run${runs++}`), '-q', '--no-report', ...extra]);

/** The first half of a gzip stream (a download cut short). */
const cutGzip = (b: Buffer): Buffer => {
  const g = gzipSync(b);
  return g.subarray(0, g.length >> 1);
};

function expectFileError(r: { code: number; stderr: string }, file: string, re: RegExp, what: string): void {
  assert.equal(r.code, 2, `${what}: exit ${r.code}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `${what}: ${r.stderr}`);
  assert.ok(lines[0].includes(file), `${what}: ${lines[0]} does not name ${file}`);
  assert.match(lines[0], re, what);
}

test('IDX faults: wrong magic, truncated header or data, corrupt gzip, label/image count mismatch → exit 2 naming the file', async () => {
  const faults: [string, string, Buffer, RegExp][] = [
    [
      'wrong magic',
      'train-images-idx3-ubyte.gz',
      gzipSync(idxBytes([12, 8, 8], new Uint8Array(768), 0x0d03)),
      /bad IDX magic 0x00000d03, expected 0x00000803/,
    ],
    [
      'truncated data',
      't10k-images-idx3-ubyte.gz',
      gzipSync(idxBytes([6, 8, 8], new Uint8Array(300))),
      /truncated: header says 6×8×8 = 384 bytes of data, file holds 300/,
    ],
    [
      'truncated header',
      'train-labels-idx1-ubyte.gz',
      gzipSync(Buffer.from([0, 0, 8])),
      /truncated IDX header: 3 bytes/,
    ],
    [
      'cut gzip stream',
      'train-images-idx3-ubyte.gz',
      cutGzip(idxBytes([12, 8, 8], randomBytes(768))),
      /corrupt gzip data/,
    ],
    [
      'count mismatch',
      'train-labels-idx1-ubyte.gz',
      gzipSync(idxBytes([11], new Uint8Array(11))),
      /11 labels but .*train-images-idx3-ubyte\.gz holds 12 images/,
    ],
    [
      'label out of range',
      't10k-labels-idx1-ubyte.gz',
      gzipSync(idxBytes([6], new Uint8Array(6).fill(10))),
      /label 10 at index 0 is out of range \[0, 10\)/,
    ],
  ];
  for (const [what, name, bytes, re] of faults) {
    const dir = tempDir();
    writeIdxSet(dir, { n: 12, m: 6, h: 8, w: 8 });
    writeFileSync(join(dir, name), bytes);
    expectFileError(await train(recipeFor('idx', { dataset: 'fashion-mnist', dir })), join(dir, name), re, what);
  }
});

test('CIFAR-10 / CIFAR-100 files of the wrong length → exit 2 naming the file', async () => {
  const c10 = tempDir();
  for (let k = 1; k <= 5; k++) writeFileSync(join(c10, `data_batch_${k}.bin`), cifarBytes(2, 1, k));
  writeFileSync(join(c10, 'test_batch.bin'), cifarBytes(2, 1));
  writeFileSync(join(c10, 'data_batch_3.bin'), cifarBytes(2, 1).subarray(0, 3073 + 100));
  expectFileError(
    await train(recipeFor('c10', { dataset: 'cifar10', dir: c10 })),
    join(c10, 'data_batch_3.bin'),
    /length 3173 is not a positive multiple of the 3073-byte CIFAR record/,
    'cifar10',
  );
  const c100 = tempDir();
  writeFileSync(join(c100, 'train.bin'), cifarBytes(3, 2));
  writeFileSync(join(c100, 'test.bin'), Buffer.alloc(0));
  expectFileError(
    await train(recipeFor('c100', { dataset: 'cifar100', dir: c100 })),
    join(c100, 'test.bin'),
    /length 0 is not a positive multiple of the 3074-byte CIFAR record \(2 label bytes/,
    'cifar100',
  );
});

/** Bad files for an image folder: name → contents (written into class 'dog'). */
async function badImages(): Promise<[string, Buffer | string][]> {
  const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#369' } })
    .png()
    .toBuffer();
  return [
    ['corrupt.jpg', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]), Buffer.alloc(200, 0x55)])],
    ['empty.png', Buffer.alloc(0)],
    ['readme.txt', 'not an image, just text\n'],
    ['bomb.png', bombPng(100000, 100000)],
    ['cut.png', png.subarray(0, Math.floor(png.length / 2))],
  ];
}

test('image folder: each bad file stops training naming it; --skip-bad-images logs each once and trains on the rest', async () => {
  const bad = await badImages();
  for (const [name, content] of bad) {
    const dir = tempDir();
    await writeImageFolder(dir, ['cat', 'dog'], 4);
    writeFileSync(join(dir, 'dog', name), content);
    expectFileError(
      await train(recipeFor('img', { dataset: 'image-folder', dir, height: 8, width: 8, channels: 3 })),
      join(dir, 'dog', name),
      /cannot decode image: .+ \(.+\); use skipBadImages \/ --skip-bad-images to skip such files/,
      name,
    );
  }
  // all of them at once, plus a FIFO, symbolic links out of the folder, a dangling link and a link loop
  const outside = tempDir();
  await writeImageFolder(outside, ['secret'], 2);
  const dir = tempDir();
  await writeImageFolder(dir, ['cat', 'dog'], 4);
  for (const [name, content] of bad) writeFileSync(join(dir, 'dog', name), content);
  execFileSync('mkfifo', [join(dir, 'cat', 'pipe.png')]);
  symlinkSync(join(outside, 'secret', 'img0.png'), join(dir, 'cat', 'escape.png'));
  symlinkSync(join(outside, 'secret'), join(dir, 'secret'));
  symlinkSync(join(dir, 'missing.png'), join(dir, 'cat', 'dangling.png'));
  symlinkSync(join(dir, 'cat', 'loop-b.png'), join(dir, 'cat', 'loop-a.png'));
  symlinkSync(join(dir, 'cat', 'loop-a.png'), join(dir, 'cat', 'loop-b.png'));
  symlinkSync(join(dir, 'cat', 'img0.png'), join(dir, 'dog', 'inside-link.png')); // stays inside: followed
  const recipe = recipeFor('img-all', { dataset: 'image-folder', dir, height: 8, width: 8, channels: 3 });
  // one run names every bad file, in one line
  const stop = await train(recipe);
  const badFiles = [...bad.map(([name]) => join(dir, 'dog', name)), join(dir, 'cat', 'pipe.png')];
  assert.equal(stop.code, 2, stop.stderr);
  const error = stop.stderr
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('imageFolder: skipping')); // links
  assert.equal(error.length, 1, stop.stderr);
  assert.ok(error[0].startsWith(`trickbox: ${dir}: cannot decode ${badFiles.length} images: `), error[0]);
  for (const f of badFiles) assert.ok(error[0].includes(`${f} (`), `${f} not named: ${error[0]}`);
  assert.match(error[0], /pipe\.png \(not a regular file\)/);
  const r = await train(recipe, '--skip-bad-images');
  assert.equal(r.code, 0, r.stderr);
  const logs = r.stderr.split('\n').filter((l) => l.startsWith('imageFolder: skipping'));
  for (const [name] of [...bad, ['pipe.png']]) {
    const hits = logs.filter((l) => l.includes(`/${name}: `));
    assert.equal(hits.length, 1, `${name}: ${hits.length} log lines\n${r.stderr}`);
  }
  for (const link of ['escape.png', 'secret'])
    assert.equal(logs.filter((l) => l.includes(`/${link}: symbolic link leads out of`)).length, 1, link);
  for (const link of ['dangling.png', 'loop-a.png', 'loop-b.png'])
    assert.equal(logs.filter((l) => l.includes(`/${link}: dangling symbolic link`)).length, 1, link);
  assert.equal(logs.length, bad.length + 1 + 2 + 3, logs.join('\n'));
  // 8 good images + the inside link = 9; 10% (1) held out as the test set
  assert.match(r.stderr, /holding out 1 images \(10%\) as the test set/);
  const summary = JSON.parse(readFileSync(join(root, `run${runs - 1}`, 'summary.json'), 'utf8'));
  assert.equal(summary.status, 'completed');
  console.log(
    `bad data: ${bad.length} bad image kinds + FIFO + 2 links out + 3 broken links: ${logs.length} skipped, each logged once`,
  );
});

test('a decompression bomb (PNG header of 100,000×100,000 pixels) is refused by the pixel limit, in bounded memory', async () => {
  const dir = tempDir();
  await writeImageFolder(dir, ['a', 'b'], 2);
  writeFileSync(join(dir, 'a', 'bomb.png'), bombPng(100000, 100000));
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const r = await train(recipeFor('bomb', { dataset: 'image-folder', dir, height: 8, width: 8 }));
  const ms = performance.now() - t0;
  const grew = (process.memoryUsage().rss - rss0) / 2 ** 20;
  expectFileError(r, join(dir, 'a', 'bomb.png'), /pixel limit/i, 'bomb');
  assert.ok(grew < 200, `RSS grew by ${grew.toFixed(0)} MiB`); // decoding it would need 10^10 bytes
  // predict refuses it too
  const model = join(root, 'run-for-predict');
  const ok = await cliInProcess([
    'train',
    recipeFor('predict', { dataset: 'image-folder', dir: join(dir, 'b', '..'), height: 8, width: 8 }),
    '--out',
    model,
    '-q',
    '--no-report',
    '--skip-bad-images',
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  const bomb = join(root, 'bomb.png');
  copyFileSync(join(dir, 'a', 'bomb.png'), bomb);
  const p = await cliInProcess(['predict', join(model, 'model'), bomb]);
  assert.equal(p.code, 1, p.stderr);
  assert.match(p.stderr.trim(), new RegExp(`^trickbox: ${bomb}: cannot decode image \\(.*pixel limit[^\\n]*$`, 'i'));
  console.log(`bomb: refused in ${ms.toFixed(0)} ms, RSS +${grew.toFixed(1)} MiB`);
  mkdirSync(join(root, 'done'), { recursive: true });
});
