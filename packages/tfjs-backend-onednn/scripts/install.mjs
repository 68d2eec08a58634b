#!/usr/bin/env node
// npm `install` hook. Nothing to compile when the prebuilt platform package's addon loads; otherwise build the addon
// from source with node-gyp. Installed as a dependency (under node_modules), a failed build only warns: the package
// still imports and TensorFlow.js stays on 'cpu'. In a development checkout a failed build fails the install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = (file) => pathToFileURL(join(root, 'dist', 'src', file)).href;

/** The loader's verdict, when the package is compiled (a published tarball); a fresh checkout has no dist/ yet. */
async function prebuiltLoads() {
  if (!existsSync(join(root, 'dist', 'src', 'native.js'))) return false;
  const { addonStatus } = await import(compiled('native.js'));
  const status = addonStatus();
  return status.loaded && status.origin === 'prebuilt';
}

function buildFromSource() {
  // npm passes the path of its own node-gyp to lifecycle scripts; the devDependency's bin is on PATH otherwise.
  const npmNodeGyp = process.env.npm_config_node_gyp;
  const [command, args] = npmNodeGyp ? [process.execPath, [npmNodeGyp, 'rebuild']] : ['node-gyp', ['rebuild']];
  const run = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  return run.status ?? 1;
}

if (await prebuiltLoads()) {
  console.log('tfjs-backend-onednn: using the prebuilt addon, nothing to compile');
} else {
  const status = buildFromSource();
  if (status !== 0) {
    if (!root.split(sep).includes('node_modules')) process.exit(status);
    // A published package is compiled, so its hint is at hand.
    const { installHint } = await import(compiled('locate.js'));
    console.warn(
      `tfjs-backend-onednn: warning: no native addon, TensorFlow.js will use 'cpu' (slow). ${installHint()}`,
    );
  }
}
