// The demo pages in a real browser (headless Chromium): the classify page agrees with `trickbox predict`, the training
// page trains to >= 50 % hold-out accuracy within 150 steps, and neither page logs an error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { fashionMnist } from '../../src/data/index.js';
import { launchChromium } from '../helpers/chromium.js';
import { packageRoot } from '../helpers/paths.js';

/** The globals the pages define (web/classify.ts, web/train.ts), as the functions given to page.evaluate see them. */
declare const window: {
  trickboxDemo: {
    ready: Promise<void>;
    classify(url: string): Promise<Array<{ className: string; probability: number }>>;
  };
  trickboxTrain: {
    ready: Promise<void>;
    run(o: { steps: number }): Promise<{ accuracy: number; backend: string; imagesPerSecond: number }>;
  };
};

const cliJs = join(packageRoot, 'dist', 'src', 'cli', 'main.js');
const recipe = join(packageRoot, '..', '..', 'recipes', 'fashion-quick.json');
const dir = mkdtempSync(join(tmpdir(), 'trickbox-demo-'));
const exported = join(dir, 'exported');
const images = [0, 1, 2].map((i) => join(dir, `test-${i}.png`));

let demo: ChildProcess | undefined;
let url = '';
let browser: BrowserContext | undefined;
const problems: string[] = [];

function cli(args: string[]): string {
  const r = spawnSync(process.execPath, [cliJs, ...args], { encoding: 'utf8', timeout: 180_000 });
  assert.equal(r.status, 0, `trickbox ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Starts `trickbox demo` and resolves with its URL once it prints it. */
function startDemo(target: string): Promise<string> {
  demo = spawn(process.execPath, [cliJs, 'demo', target, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  demo.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    demo!.stdout!.on('data', (d) => {
      out += d;
      const m = /classify: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolve(m[1]);
    });
    demo!.once('exit', (code) => reject(new Error(`trickbox demo exited with ${code}: ${err}`)));
  });
}

async function openPage(path: string): Promise<Page> {
  const page = await browser!.newPage();
  page.on('console', (m) => void (m.type() === 'error' && problems.push(`${path} console: ${m.text()}`)));
  page.on('pageerror', (e) => void problems.push(`${path} page error: ${e.message}`));
  await page.goto(url + path);
  return page;
}

before(async () => {
  // A small model trained on 1,000 Fashion-MNIST images, exported with its pages.
  const run = join(dir, 'run');
  cli([
    'train',
    recipe,
    '--epochs',
    '1',
    '--out',
    run,
    '--no-report',
    '-q',
    ...['data.subset=1000', 'data.testSubset=100', 'data.workers=0'].flatMap((s) => ['--set', s]),
  ]);
  cli(['export', run, '--out', exported]);
  const test = fashionMnist().test;
  await Promise.all(
    images.map((file, i) =>
      sharp(Buffer.from(test.images.subarray(i * 784, (i + 1) * 784)), { raw: { width: 28, height: 28, channels: 1 } })
        .png()
        .toFile(file),
    ),
  );
  url = await startDemo(exported);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (demo && demo.exitCode === null) {
    const exited = new Promise((resolve) => demo!.once('exit', resolve));
    demo.kill('SIGTERM');
    await exited;
  }
});

test('trickbox export writes the pages and the stock tfjs bundles beside the model', () => {
  for (const file of [
    'model.json',
    'weights.bin',
    'index.html',
    'classify.js',
    'train.html',
    'train.js',
    'vendor/tf.min.js',
    'vendor/tfjs-backend-wasm-simd.wasm',
  ])
    assert.ok(existsSync(join(exported, file)), file);
  assert.ok(existsSync(join(exported, 'data', 'fashion-slice.bin')), 'trickbox demo wrote the training slice');
});

test("the classify page's top-1 class equals trickbox predict's for three test images", async () => {
  const expected = cli(['predict', exported, ...images, '--top', '1'])
    .trim()
    .split('\n')
    .map((line) => /: (.+) \d+\.\d%$/.exec(line)![1]);
  const page = await openPage('');
  await page.evaluate(() => window.trickboxDemo.ready);
  for (const [i, file] of images.entries()) {
    const dataUrl = `data:image/png;base64,${readFileSync(file).toString('base64')}`;
    const ranked = await page.evaluate((u) => window.trickboxDemo.classify(u), dataUrl);
    assert.equal(ranked.length, 10);
    assert.equal(ranked[0].className, expected[i], `image ${i}`);
    for (let k = 1; k < ranked.length; k++) assert.ok(ranked[k - 1].probability >= ranked[k].probability);
    const total = ranked.reduce((s, r) => s + r.probability, 0);
    assert.ok(Math.abs(total - 1) < 1e-5, `probabilities sum to ${total}`);
  }
  await page.close();
});

test('the training page reaches >= 50 % hold-out accuracy within 150 steps', async (t) => {
  const page = await openPage('train.html');
  await page.evaluate(() => window.trickboxTrain.ready);
  const result = await page.evaluate(() => window.trickboxTrain.run({ steps: 150 }));
  t.diagnostic(
    `150 steps of 32: hold-out accuracy ${(100 * result.accuracy).toFixed(1)} %, ${result.imagesPerSecond.toFixed(0)} img/s on ${result.backend}`,
  );
  assert.ok(result.accuracy >= 0.5, `accuracy ${result.accuracy}`);
  assert.ok(['webgl', 'wasm', 'cpu'].includes(result.backend), result.backend);
  await page.close();
});

test('no console errors or page errors on either page', () => {
  assert.deepEqual(problems, []);
});
