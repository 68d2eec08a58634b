// The packed tarballs (npm run pack → dist-pack/) installed into a fresh project outside the repository, as a user
// would: once normally, once with --ignore-scripts (nothing compiled). Either way a few training steps through the
// library API run on 'onednn' with the prebuilt addon and the bundled libdnnl (read from /proc/self/maps), and npm
// resolves a single @tensorflow/tfjs-core; as root, the run is repeated with the system's copies of the bundled
// libraries hidden. About a minute (pack ~15 s, each install ~15 s): TRICKBOX_LONG_TESTS=1.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { longTests, packageRoot } from '../helpers/paths.js';

const repoRoot = join(packageRoot, '..', '..');
const distPack = join(repoRoot, 'dist-pack');
const PLATFORM_PACKAGE = 'tfjs-backend-onednn-linux-x64-gnu';
const skip = !longTests
  ? 'long test: set TRICKBOX_LONG_TESTS=1'
  : process.platform !== 'linux' || process.arch !== 'x64'
    ? `the prebuilt package is for linux-x64, this is ${process.platform}-${process.arch}`
    : false;

// Runs in the fresh project: a small CNN, SGD with momentum, label-smoothed cross-entropy, 6 steps on one batch.
const TRAIN_SCRIPT = `
import * as tf from '@tensorflow/tfjs';
import { addonStatus } from 'tfjs-backend-onednn';
import { losses, models, optim } from 'trickbox';
import { readFileSync } from 'node:fs';
await tf.ready();
const model = models.simpleCnn({ inputShape: [12, 12, 1], numClasses: 3, filters: [4, 8], denseUnits: 16, dropout: 0 });
const optimizer = optim.sgd({ lr: 0.05, momentum: 0.9 });
const x = tf.randomUniform([16, 12, 12, 1], 0, 1, 'float32', 1);
const y = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0], 'int32');
const lossValues = [];
for (let step = 0; step < 6; step++) {
  const loss = optimizer.minimize(
    () => losses.crossEntropy(y, model.apply(x, { training: true }), { labelSmoothing: 0.1 }),
    true,
  );
  lossValues.push(loss.dataSync()[0]);
  loss.dispose();
}
const maps = readFileSync('/proc/self/maps', 'utf8').split('\\n').map((l) => l.split(/\\s+/)[5]).filter(Boolean);
console.log(JSON.stringify({
  backend: tf.getBackend(),
  addon: addonStatus(),
  libdnnl: [...new Set(maps.filter((p) => /libdnnl\\.so/.test(p)))],
  losses: lossValues,
}));
`;

/**
 * The command running train.mjs; with `hideSystemLibs`, inside a private mount namespace where the system's copies
 * of the bundled libraries are covered with /dev/null (root and util-linux's unshare needed; other processes see
 * nothing), as on a machine without libdnnl2, libgomp1 and ocl-icd-libopencl1.
 */
function trainCommand(hideSystemLibs: boolean): [string, string[]] {
  const node: [string, string[]] = [process.execPath, ['train.mjs']];
  if (!hideSystemLibs) return node;
  const systemCopies = ['libdnnl.so.2', 'libgomp.so.1', 'libOpenCL.so.1']
    .map((lib) => join('/usr/lib/x86_64-linux-gnu', lib))
    .filter((file) => existsSync(file))
    .map((file) => realpathSync(file));
  const mounts = systemCopies.map((file) => `mount --bind /dev/null ${file} && `).join('');
  return ['unshare', ['--mount', 'sh', '-c', `${mounts}exec "${process.execPath}" train.mjs`]];
}
const canHideSystemLibs = process.getuid?.() === 0 && spawnSync('unshare', ['--mount', 'true']).status === 0;

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

let tarballs: string[] = [];

before(() => {
  if (skip) return;
  execFileSync(process.execPath, [join(repoRoot, 'scripts', 'pack.mjs')], { stdio: 'inherit' });
  tarballs = readdirSync(distPack)
    .filter((f) => f.endsWith('.tgz'))
    .map((f) => join(distPack, f));
});

for (const ignoreScripts of [false, true]) {
  const how = ignoreScripts ? 'npm install --ignore-scripts' : 'npm install';
  const hidden = canHideSystemLibs ? "; again with the system's libdnnl, libgomp, libOpenCL hidden" : '';
  test(
    `${how} of the tarballs trains on 'onednn' with the prebuilt addon and bundled oneDNN${hidden}`,
    { skip },
    () => {
      assert.equal(tarballs.length, 3, `dist-pack/ holds ${tarballs.join(', ')}`);
      const project = mkdtempSync(join(tmpdir(), 'trickbox-install-'));
      try {
        writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'fresh', private: true, type: 'module' }));
        // --prefer-offline: tarballs come from the npm cache `npm ci` filled; npm may still fetch the registry's package
        // metadata it has not cached (npm ci reads versions from the lockfile and never needs it).
        const flags = ['--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts'];
        const log = npm(['install', ...flags, ...(ignoreScripts ? ['--ignore-scripts'] : []), ...tarballs], project);
        const installed = join(project, 'node_modules');
        if (ignoreScripts) assert.doesNotMatch(log, /tfjs-backend-onednn: using the prebuilt addon/);
        else assert.match(log, /tfjs-backend-onednn: using the prebuilt addon, nothing to compile/);
        assert.ok(!existsSync(join(installed, 'tfjs-backend-onednn', 'build')), 'nothing was compiled');

        const cores = npm(['ls', '@tensorflow/tfjs-core', '--all', '--parseable'], project).trim().split('\n');
        assert.deepEqual([...new Set(cores)], [join(installed, '@tensorflow', 'tfjs-core')]);

        writeFileSync(join(project, 'train.mjs'), TRAIN_SCRIPT);
        const platformDir = join(installed, PLATFORM_PACKAGE);
        // The second time (when possible) with the system's oneDNN, OpenMP and OpenCL libraries out of reach.
        for (const hideSystemLibs of canHideSystemLibs ? [false, true] : [false]) {
          const [command, args] = trainCommand(hideSystemLibs);
          const out = execFileSync(command, args, { cwd: project, encoding: 'utf8' });
          const run = JSON.parse(out.trim().split('\n').pop()!);
          const what = hideSystemLibs ? 'with the system libraries hidden' : 'as installed';
          assert.equal(run.backend, 'onednn', what);
          assert.deepEqual(run.addon, {
            loaded: true,
            origin: 'prebuilt',
            file: join(platformDir, 'onednn_addon.node'),
          });
          assert.deepEqual(run.libdnnl, [join(platformDir, 'libdnnl.so.2')], what);
          assert.equal(run.losses.length, 6);
          assert.ok(run.losses.every(Number.isFinite), `losses ${run.losses}`);
          assert.ok(run.losses[5] < run.losses[0], `the loss went down (${what}): ${run.losses}`);
        }
      } finally {
        rmSync(project, { recursive: true, force: true });
      }
    },
  );
}
