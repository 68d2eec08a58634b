import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { BACKEND_NAME, configuredThreads, nativeKernelNames, THREADS_ENV } from '../src/index.js';
import { loadAddonFrom } from '../src/native.js';

test("importing the package makes 'onednn' the default backend", async () => {
  await tf.ready();
  assert.equal(tf.getBackend(), BACKEND_NAME);
  for (const name of ['Conv2D', 'Conv2DBackpropFilter', 'FusedConv2D', 'OnednnBatchNormTrain']) {
    assert.ok(nativeKernelNames().includes(name), `${name} is native`);
  }
  // Every cpu kernel is available on 'onednn' too (natively or by fallback).
  const onednn = new Set(tf.getKernelsForBackend(BACKEND_NAME).map((k) => k.kernelName));
  const missing = tf.getKernelsForBackend('cpu').filter((k) => !onednn.has(k.kernelName));
  assert.deepEqual(missing, []);
});

test('the thread count comes from TFJS_ONEDNN_THREADS, and a bad value is refused', () => {
  assert.equal(configuredThreads({ [THREADS_ENV]: '3' }), 3);
  assert.throws(
    () => configuredThreads({ [THREADS_ENV]: 'two' }),
    /TFJS_ONEDNN_THREADS must be a positive integer, got 'two'/,
  );
  assert.throws(() => configuredThreads({ [THREADS_ENV]: '0' }), /positive integer/);
  // The package entry next to this test: src/index.ts under tsx, dist/src/index.js when compiled.
  const entry = new URL(`../src/index${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
  const script = `import('${entry}').then(m => console.log(m.native.getNumThreads()))`;
  const child = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], {
    env: { ...process.env, [THREADS_ENV]: '1' },
    encoding: 'utf8',
  });
  assert.equal(child.stdout.trim().split('\n').pop(), '1', child.stderr);
});

test('a missing addon gives an error naming the library and the install command', () => {
  assert.throws(
    () => loadAddonFrom('/nonexistent/onednn_addon.node'),
    (error: Error) => {
      assert.match(error.message, /native addon not built/);
      assert.match(error.message, /apt-get install -y libdnnl-dev/);
      assert.match(error.message, /npm rebuild tfjs-backend-onednn/);
      return true;
    },
  );
});

test("OpenMP threads spin briefly by default (GOMP_SPINCOUNT=30000), and a user's setting is kept", () => {
  const entry = new URL(`../src/index${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
  const script = `import('${entry}').then(m => { m.native.getNumThreads(); console.log(process.env.GOMP_SPINCOUNT); })`;
  const run = (extra: Record<string, string>) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
    if (!('GOMP_SPINCOUNT' in extra)) delete env.GOMP_SPINCOUNT;
    delete env.OMP_WAIT_POLICY;
    const child = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], {
      env,
      encoding: 'utf8',
    });
    return child.stdout.trim().split('\n').pop();
  };
  assert.equal(run({}), '30000');
  assert.equal(run({ GOMP_SPINCOUNT: '5000' }), '5000');
});
