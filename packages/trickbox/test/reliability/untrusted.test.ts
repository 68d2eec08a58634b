// Untrusted files: checkpoints and models are parsed as JSON and raw numbers, never run; hostile or foreign files
// are refused with one line naming the file; a teacher or checkpoint of another architecture or class count is
// refused naming both sides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../helpers/paths.js';
import { writeImageFolder } from '../data/files.js';
import { decodeCheckpoint } from '../../src/train/checkpoint.js';
import { cliInProcess, tempDir, tinyIdx, tinyRecipeFile } from './helpers.js';

const root = tempDir();
const data = tinyIdx(32, 16);
const recipe = tinyRecipeFile(join(root, 'r.json'), data, {
  training: { epochs: 2, batchSize: 16, seed: 5 },
  schedule: { name: 'constant', warmupEpochs: 0 },
});
const run = join(root, 'run');
const q = ['-q', '--no-report'];

test('setup: a finished tiny run', async () => {
  const r = await cliInProcess(['train', recipe, '--out', run, ...q]);
  assert.equal(r.code, 0, r.stderr);
});

test('the loaders contain no code evaluation: JSON.parse and typed arrays only', () => {
  for (const f of ['train/checkpoint.ts', 'train/modelio.ts', 'train/recipe.ts', 'data/idx.ts', 'data/cifar.ts']) {
    const src = readFileSync(join(packageRoot, 'src', f), 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '');
    assert.doesNotMatch(src, /\beval\s*\(|new\s+Function\b|\brequire\s*\(|\bimport\s*\(|node:vm|child_process/, f);
  }
});

/** Rewrites the JSON header of a checkpoint file (same layout: magic, u32 length, header, data). */
function patchHeader(file: string, edit: (header: string) => string): void {
  const buf = readFileSync(file);
  const hlen = buf.readUInt32LE(8);
  let header = edit(
    buf
      .subarray(12, 12 + hlen)
      .toString('utf8')
      .trimEnd(),
  );
  header += ' '.repeat((8 - ((12 + header.length) % 8)) % 8);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(Buffer.byteLength(header));
  writeFileSync(file, Buffer.concat([buf.subarray(0, 8), len, Buffer.from(header), buf.subarray(12 + hlen)]));
}

const copyRun = (name: string): { dir: string; ckpts: string[] } => {
  const dir = join(root, name);
  cpSync(run, dir, { recursive: true });
  // as if the process died before the end: a resume reads the checkpoints (a finished run is left alone)
  rmSync(join(dir, 'summary.json'));
  const ckDir = join(dir, 'checkpoints');
  return {
    dir,
    ckpts: readdirSync(ckDir)
      .sort()
      .map((f) => join(ckDir, f)),
  };
};

test('a checkpoint header with __proto__ / constructor keys or bad tensor entries is refused; nothing is run or polluted', async () => {
  const hostile: [string, (h: string) => string, RegExp][] = [
    [
      '__proto__',
      (h) => h.replace('"rng":', '"extra":{"__proto__":{"polluted":1}},"rng":'),
      /forbidden key '__proto__'/,
    ],
    [
      'constructor',
      (h) => h.replace('"rng":', '"constructor":{"prototype":{"polluted":1}},"rng":'),
      /forbidden key '(constructor|prototype)'/,
    ],
    ['negative offset', (h) => h.replace(/"offset":\d+/, '"offset":-64'), /bad tensor entry/],
    [
      'shape/length mismatch',
      (h) => h.replace(/"length":(\d+)/, (_m, n) => `"length":${Number(n) + 1}`),
      /bad tensor entry/,
    ],
    [
      'step as text',
      (h) => h.replace(/"step":\d+/, '"step":"process.exit(7)"'),
      /step\/epoch\/batch\/metricsBytes must be integers/,
    ],
  ];
  for (const [what, edit, re] of hostile) {
    const { dir, ckpts } = copyRun(`hostile-${what.replace(/\W/g, '')}`);
    for (const f of ckpts) patchHeader(f, edit);
    assert.throws(() => decodeCheckpoint(ckpts[0], readFileSync(ckpts[0])), re, what);
    const metricsBefore = readFileSync(join(dir, 'metrics.jsonl'), 'utf8');
    const r = await cliInProcess(['train', '--resume', dir, ...q]);
    assert.equal(r.code, 1, `${what}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /no readable checkpoint in .*checkpoints: .*ckpt-\d+\.tbx: corrupt checkpoint header/, what);
    assert.match(lines[0], re, what);
    // the run is left as it was: no restart from step 0, metrics kept
    assert.equal(readFileSync(join(dir, 'metrics.jsonl'), 'utf8'), metricsBefore, what);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
  }
});

test('a cut newest checkpoint is passed over: --resume continues from the previous complete one', async () => {
  const { dir, ckpts } = copyRun('cut-newest');
  assert.equal(ckpts.length, 2);
  const newest = ckpts[1];
  writeFileSync(newest, readFileSync(newest).subarray(0, 100));
  const r = await cliInProcess(['train', '--resume', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`resuming .* from ${ckpts[0].replace(/[.]/g, '\\.')} \\(step 2,`));
});

test('a model.json naming an unknown layer class or weights outside its folder is refused in one line', async () => {
  const cases: [string, (j: any) => void, RegExp][] = [
    [
      'unknown layer class',
      (j) => (j.modelTopology.config.layers[1].class_name = 'EvilLayer'),
      /model\.json: cannot build the model \(Unknown layer: EvilLayer\./,
    ],
    [
      'weights path escapes',
      (j) => (j.weightsManifest[0].paths = ['../../../etc/passwd']),
      /weight path '\.\.\/\.\.\/\.\.\/etc\/passwd' leaves the model directory/,
    ],
    [
      'not a layers model',
      (j) => delete j.modelTopology,
      /not a tfjs layers model\.json \(modelTopology \/ weightsManifest missing\)/,
    ],
  ];
  const img = join(root, 'x.png');
  await writeImageFolder(join(root, 'imgs'), ['a'], 1);
  cpSync(join(root, 'imgs', 'a', 'img0.png'), img);
  for (const [what, edit, re] of cases) {
    const dir = join(root, `model-${what.replace(/\W/g, '')}`);
    cpSync(join(run, 'model'), dir, { recursive: true });
    const j = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    edit(j);
    writeFileSync(join(dir, 'model.json'), JSON.stringify(j));
    for (const cmd of [
      ['predict', dir, img],
      ['export', dir, '--out', join(root, 'exp')],
    ]) {
      const r = await cliInProcess(cmd);
      assert.notEqual(r.code, 0, `${what} ${cmd[0]}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `${what} ${cmd[0]}: ${r.stderr}`);
      assert.match(lines[0], re, `${what} ${cmd[0]}`);
    }
  }
  assert.ok(!existsSync(join(root, 'exp')));
});

test('a teacher or checkpoint of another architecture or class count is refused naming both', async () => {
  // teacher: the 10-class 8×8×1 run, for a 2-class 8×8×3 image-folder student
  const imgs = join(root, 'two-classes');
  await writeImageFolder(imgs, ['cat', 'dog'], 5);
  const student = tinyRecipeFile(join(root, 'student.json'), data, {
    data: { dataset: 'image-folder', dir: imgs, height: 8, width: 8, channels: 3 },
    distillation: { teacher: run },
  });
  const t = await cliInProcess(['train', student, '--out', join(root, 'student'), ...q]);
  assert.equal(t.code, 2, t.stderr);
  assert.match(
    t.stderr.trim(),
    /distillation\.teacher .*model\.json: expects input 8×8×1 and predicts 10 classes; this run has input 8×8×3 and 2 classes$/,
  );
  // checkpoint of other layer sizes
  // the stored recipe edited to another architecture: its checkpoint does not fit (a resume takes no --set)
  const edited = new Map<string, string>();
  const withRecipe = (name: string, edit: (r: any) => void): string => {
    const dir = copyRun(name).dir;
    const stored = JSON.parse(readFileSync(join(dir, 'recipe.json'), 'utf8'));
    edit(stored);
    writeFileSync(join(dir, 'recipe.json'), JSON.stringify(stored));
    edited.set(dir, readFileSync(join(dir, 'recipe.json'), 'utf8'));
    return dir;
  };
  const a = withRecipe('other-arch', (r) => (r.model.options = { filters: [4, 4], denseUnits: 16 }));
  const r1 = await cliInProcess(['train', '--resume', a, ...q]);
  assert.equal(r1.code, 1, r1.stderr);
  assert.match(
    r1.stderr.trim(),
    /ckpt-\d+\.tbx: model tensor \d+ \(stage2_conv1\/kernel\) has shape \[3,3,4,8\], the model expects \[3,3,4,4\] for stage2_conv1\/kernel.*; a different architecture or class count$/,
  );
  // checkpoint of another model altogether
  const b = withRecipe('other-model', (r) => (r.model = { name: 'resnet', options: { depth: 8 } }));
  const r2 = await cliInProcess(['train', '--resume', b, ...q]);
  assert.equal(r2.code, 1, r2.stderr);
  assert.match(
    r2.stderr.trim(),
    /the checkpoint holds \d+ model tensors, the model has \d+; it comes from a different architecture$/,
  );
  // checkpoint of another class count (the run's data replaced by a 2-class folder)
  const c = withRecipe('other-classes', (r) =>
    Object.assign(r.data, { dataset: 'image-folder', dir: imgs, channels: 1, height: 8, width: 8 }),
  );
  const r3 = await cliInProcess(['train', '--resume', c, ...q]);
  assert.equal(r3.code, 1, r3.stderr);
  assert.match(r3.stderr.trim(), /\(logits\/kernel\) has shape \[16,10\], the model expects \[16,2\] .*class count$/);
  // none of the refused resumes touched the run's recipe.json
  for (const d of [a, b, c]) assert.equal(readFileSync(join(d, 'recipe.json'), 'utf8'), edited.get(d));
});
