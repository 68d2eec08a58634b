// docs/architecture.md, "Areas and their arrows": augment/ and rng/ are plain TypeScript — no Node built-ins, no tfjs, nothing outside themselves
// but the other plain areas (augment → rng, check) — so the data loader can run them in worker threads and a browser unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../helpers/paths.js';

const NODE_GLOBALS = /\b(Buffer|process|require|__dirname|__filename|setImmediate)\b/;

for (const area of ['augment', 'rng', 'check']) {
  test(`src/${area} imports only itself (and augment → rng, check) and uses no Node global`, () => {
    const dir = join(packageRoot, 'src', area);
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    assert.ok(files.length > 0);
    for (const f of files) {
      const src = readFileSync(join(dir, f), 'utf8');
      const code = src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      for (const m of code.matchAll(/\bfrom\s+'([^']+)'|\bimport\s*\(\s*'([^']+)'/g)) {
        const spec = m[1] ?? m[2]!;
        const ok =
          spec.startsWith('./') || (area === 'augment' && (spec.startsWith('../rng/') || spec === '../check/index.js'));
        assert.ok(ok, `${area}/${f} imports '${spec}'`);
      }
      assert.doesNotMatch(code, NODE_GLOBALS, `${area}/${f} uses a Node global`);
    }
  });
}

test('a pipeline runs in a worker thread and gives the same bytes as on the main thread', async () => {
  // From the compiled tests the worker imports the compiled modules; run from TypeScript (tsx), the sources.
  const fromTs = import.meta.url.endsWith('.ts');
  const ext = fromTs ? 'ts' : 'js';
  const url = new URL(`../../src/augment/index.${ext}`, import.meta.url).href;
  const rngUrl = new URL(`../../src/rng/index.${ext}`, import.meta.url).href;
  const code = `
    const { parentPort } = require('node:worker_threads');
    (async () => {
      if (${JSON.stringify(fromTs)}) (await import('tsx/esm/api')).register();
      const augment = await import(${JSON.stringify(url)});
      const { Rng } = await import(${JSON.stringify(rngUrl)});
      const data = new Uint8Array(32 * 32 * 3).map((_, i) => (i * 7919) & 255);
      const t = augment.compose([augment.randomCrop({ size: 32, padding: 4 }), augment.autoAugment({ policy: 'cifar10' }),
        augment.randomErasing()]);
      const rng = new Rng(3);
      const outs = [];
      for (let i = 0; i < 10; i++) outs.push(Array.from(t({ data, height: 32, width: 32, channels: 3 }, rng).data));
      parentPort.postMessage(outs);
    })().catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));`;
  const fromWorker = await new Promise<unknown>((resolve, reject) => {
    const w = new Worker(code, { eval: true, execArgv: [] });
    w.once('message', (m) => {
      void w.terminate();
      resolve(m);
    });
    w.once('error', reject);
  });
  assert.ok(Array.isArray(fromWorker), JSON.stringify(fromWorker).slice(0, 500));
  const augment = await import('../../src/augment/index.js');
  const { Rng } = await import('../../src/rng/index.js');
  const data = new Uint8Array(32 * 32 * 3).map((_, i) => (i * 7919) & 255);
  const t = augment.compose([
    augment.randomCrop({ size: 32, padding: 4 }),
    augment.autoAugment({ policy: 'cifar10' }),
    augment.randomErasing(),
  ]);
  const rng = new Rng(3);
  const outs: number[][] = [];
  for (let i = 0; i < 10; i++) outs.push(Array.from(t({ data, height: 32, width: 32, channels: 3 }, rng).data));
  assert.deepEqual(fromWorker, outs);
});
