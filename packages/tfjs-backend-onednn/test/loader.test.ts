// Where the addon comes from, and what happens when none loads: the import must not throw, 'cpu' stays the backend,
// one warning names what to install, and addonStatus() gives the reason.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ADDON_ENV, addonCandidates, prebuiltPackageName } from '../src/locate.js';
import { addonStatus } from '../src/native.js';

// The package entry next to this test: src/index.ts under tsx, dist/src/index.js when compiled.
const entry = new URL(`../src/index${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
const tfCore = import.meta.resolve('@tensorflow/tfjs-core');

/** Imports the package in a child process with `addonFile` as the only addon; reports what the child saw. */
function importWithAddon(addonFile: string) {
  const script = `
    const tf = await import('${tfCore}');
    const onednn = await import('${entry}');
    await tf.ready();
    const sum = tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).dataSync();
    console.log(JSON.stringify({
      backend: tf.getBackend(), registered: tf.findBackend('onednn') !== null, status: onednn.addonStatus(), sum: [...sum],
    }));`;
  const child = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], {
    env: { ...process.env, [ADDON_ENV]: addonFile },
    encoding: 'utf8',
  });
  assert.equal(child.status, 0, child.stderr);
  return { ...JSON.parse(child.stdout.trim().split('\n').pop()!), stderr: child.stderr };
}

test("without a usable addon the import does not throw: one warning, 'cpu' stays the backend, the reason is kept", () => {
  const missing = join(tmpdir(), 'no-such-dir', 'onednn_addon.node');
  const seen = importWithAddon(missing);
  assert.equal(seen.backend, 'cpu');
  assert.equal(seen.registered, false);
  assert.deepEqual(seen.sum, [4, 6]);
  assert.equal(seen.status.loaded, false);
  assert.match(seen.status.reason, new RegExp(`${ADDON_ENV}=${missing} does not exist`));
  assert.match(seen.status.reason, /npm rebuild tfjs-backend-onednn/);
  const prebuilt = prebuiltPackageName();
  if (prebuilt) assert.ok(seen.status.reason.includes(`npm install ${prebuilt}`), seen.status.reason);
  const warnings = seen.stderr.split('\n').filter((l: string) => l.includes('Warning:'));
  assert.equal(warnings.length, 1, seen.stderr);
  assert.match(warnings[0], /\[TFJS_ONEDNN_NO_ADDON\] Warning: tfjs-backend-onednn: no usable native addon/);
  assert.ok(warnings[0].includes(seen.status.reason), 'the warning gives the same reason');
});

test("an addon file that does not load is reported with the dynamic linker's message", () => {
  const junk = join(mkdtempSync(join(tmpdir(), 'onednn-junk-')), 'onednn_addon.node');
  writeFileSync(junk, 'not an ELF file');
  const seen = importWithAddon(junk);
  assert.equal(seen.backend, 'cpu');
  assert.match(seen.status.reason, new RegExp(`cannot load ${junk}: .*(invalid ELF header|too short)`));
});

test('the loader tries the prebuilt platform package, then the source build; TFJS_ONEDNN_ADDON alone when set', () => {
  assert.deepEqual(
    addonCandidates({}).map((c) => c.origin),
    ['prebuilt', 'source'],
  );
  const chosen = addonCandidates({ [ADDON_ENV]: '/x/onednn_addon.node' });
  assert.deepEqual(chosen, [{ origin: 'environment', missing: `${ADDON_ENV}=/x/onednn_addon.node does not exist` }]);
  assert.equal(prebuiltPackageName('linux', 'x64'), 'tfjs-backend-onednn-linux-x64-gnu');
  assert.equal(prebuiltPackageName('darwin', 'arm64'), undefined);
});

test('this process loaded an addon (a broken build fails here instead of passing on cpu)', () => {
  const status = addonStatus();
  assert.ok(status.loaded, status.loaded ? '' : status.reason);
});
