// What the published packages hold (npm pack --dry-run: the file list npm would put in the tarball), the executable
// bin, --version, and that the browser-safe subpaths of trickbox pull in neither sharp nor vega.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { build } from 'esbuild';
import { packageRoot } from '../helpers/paths.js';

const repoRoot = join(packageRoot, '..', '..');
const backendRoot = join(packageRoot, '..', 'tfjs-backend-onednn');
const manifest = (dir: string) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));

interface PackReport {
  size: number;
  files: { path: string; mode: number }[];
}

function dryRunPack(dir: string): PackReport {
  const json = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, encoding: 'utf8' });
  return JSON.parse(json)[0];
}

// Tests and fixtures stay in the repository; so do source maps, whose sources (src/*.ts) are not packed.
const TEST_FILES = /(^|\/)(test|tests|fixtures)\/|\.test\.|tsbuildinfo|\.map$/;

test('the trickbox tarball is under 1 MB, without tests, fixtures or source maps, with README, LICENSE, every export', () => {
  const pack = dryRunPack(packageRoot);
  const paths = pack.files.map((f) => f.path);
  assert.ok(pack.size < 1_000_000, `packed size ${pack.size} bytes`);
  assert.deepEqual(
    paths.filter((p) => TEST_FILES.test(p)),
    [],
  );
  for (const required of [
    'README.md',
    'LICENSE',
    'package.json',
    'dist/web/index.html',
    'dist/web/train.html',
    'dist/web/train.js',
  ])
    assert.ok(paths.includes(required), required);
  const { exports, bin } = manifest(packageRoot);
  for (const target of [...Object.values<string>(exports), ...Object.values<string>(bin)]) {
    assert.ok(paths.includes(target.replace(/^\.\//, '')), `${target} is packed`);
  }
});

test('the trickbox bin has a shebang and is executable; npx trickbox --version prints the package.json version', () => {
  const bin = join(packageRoot, manifest(packageRoot).bin.trickbox);
  assert.ok(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n'));
  assert.ok(statSync(bin).mode & 0o111, `${bin} is not executable`);
  const { version } = manifest(packageRoot);
  assert.equal(execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim(), version);
  // npm linked the bin at install (a fresh checkout has no dist/ then: the bin must be a committed file)
  const npx = execFileSync('npx', ['--no-install', 'trickbox', '--version'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(npx.trim(), version);
});

test('tfjs-backend-onednn: tfjs-core is a peer, the prebuilt package optional; sources for a build, no tests', () => {
  const pkg = manifest(backendRoot);
  assert.ok(pkg.peerDependencies['@tensorflow/tfjs-core']);
  assert.equal(pkg.dependencies['@tensorflow/tfjs-core'], undefined);
  assert.ok(pkg.optionalDependencies['tfjs-backend-onednn-linux-x64-gnu']);
  const paths = dryRunPack(backendRoot).files.map((f) => f.path);
  assert.deepEqual(
    paths.filter((p) => TEST_FILES.test(p)),
    [],
  );
  for (const required of ['README.md', 'LICENSE', 'binding.gyp', 'native/addon.cc', 'scripts/install.mjs']) {
    assert.ok(paths.includes(required), required);
  }
  assert.ok(!paths.some((p) => p.startsWith('build/')), 'no local build in the tarball');
});

/** The packages a trickbox subpath imports, directly or through trickbox's own modules. */
async function packagesImportedBy(subpath: string): Promise<string[]> {
  const file = join(packageRoot, manifest(packageRoot).exports[subpath]);
  const result = await build({
    entryPoints: [file],
    bundle: true,
    write: false,
    metafile: true,
    packages: 'external',
    platform: 'neutral',
    logLevel: 'silent',
  });
  const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
  return [...new Set(imports)].sort();
}

test('trickbox/augment, /schedules and /rng import nothing but TypeBox; /losses, /mix, /optim, /models only tfjs and TypeBox', async () => {
  // TypeBox (pure JavaScript, no Node built-ins) describes the registries' recipe fields
  for (const subpath of ['./augment', './schedules', './rng'])
    assert.deepEqual(
      (await packagesImportedBy(subpath)).filter((p) => p !== '@sinclair/typebox'),
      [],
      subpath,
    );
  for (const subpath of ['./losses', './mix', './optim', './models']) {
    const imported = await packagesImportedBy(subpath);
    const allowed = ['@tensorflow/tfjs', 'tfjs-backend-onednn/ops', '@sinclair/typebox'];
    assert.deepEqual(
      imported.filter((p) => !allowed.includes(p)),
      [],
      `${subpath} imports ${imported.join(', ')}`,
    );
  }
  // The whole library, by contrast, does pull in sharp (image folders) and vega (reports).
  const everything = await packagesImportedBy('.');
  for (const heavy of ['sharp', 'vega']) assert.ok(everything.includes(heavy), `'.' imports ${heavy}`);
});
