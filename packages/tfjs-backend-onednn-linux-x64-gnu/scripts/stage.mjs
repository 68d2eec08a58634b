#!/usr/bin/env node
// Stages this platform package into <out-dir>: its static files, the source build's addon, the shared libraries the
// package.json `files` list names (found with ldd, as the addon loads them here), their Debian copyright files, and
// a $ORIGIN run-time search path on the addon and on libdnnl so that each finds the others beside it.
// Usage: node scripts/stage.mjs <out-dir>   (Debian/Ubuntu: needs dpkg, ldd and patchelf)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
const sourceBuild = join(here, '..', 'tfjs-backend-onednn', 'build', 'Release', 'onednn_addon.node');
const STATIC_FILES = ['package.json', 'README.md', 'LICENSE', 'NOTICE'];
// The libraries whose own dependencies must also be found in this folder.
const PATCHED = ['onednn_addon.node', 'libdnnl.so.2'];

function fail(message) {
  console.error(`stage: ${message}`);
  process.exit(1);
}

function run(command, args) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    if (error.code === 'ENOENT')
      fail(`${command} not found (Debian/Ubuntu: apt-get install -y patchelf libc-bin dpkg)`);
    fail(`${command} ${args.join(' ')} failed: ${error.stderr || error.message}`);
  }
}

/** soname → path, from `ldd` of the addon (the libraries the dynamic linker picks for it on this machine). */
function linkedLibraries(file) {
  const libs = new Map();
  for (const line of run('ldd', [file]).split('\n')) {
    const match = /^\s*(\S+) => (\/\S+)/.exec(line);
    if (match) libs.set(match[1], match[2]);
  }
  return libs;
}

/** The Debian package that installed `file`, e.g. `libdnnl2` for /usr/lib/x86_64-linux-gnu/libdnnl.so.2.6. */
function debianPackage(file) {
  return run('dpkg', ['-S', file]).split(':')[0];
}

const out = process.argv[2];
if (!out) fail('usage: node scripts/stage.mjs <out-dir>');
if (!existsSync(sourceBuild))
  fail(`${sourceBuild} is missing: build the addon first (npm rebuild tfjs-backend-onednn)`);

const manifest = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));
const bundled = manifest.files.filter((f) => /\.so\.\d+$/.test(f));
mkdirSync(join(out, 'licenses'), { recursive: true });
for (const file of STATIC_FILES) copyFileSync(join(here, file), join(out, file));
copyFileSync(sourceBuild, join(out, 'onednn_addon.node'));

const linked = linkedLibraries(sourceBuild);
const sources = [];
for (const soname of bundled) {
  const found = linked.get(soname);
  if (!found) fail(`ldd ${sourceBuild} does not list ${soname}; the files list of package.json is out of date`);
  const real = realpathSync(found);
  const pkg = debianPackage(real);
  const version = run('dpkg-query', ['-W', '-f=${Version}', pkg]);
  copyFileSync(real, join(out, soname));
  copyFileSync(`/usr/share/doc/${pkg}/copyright`, join(out, 'licenses', `${pkg}.copyright`));
  const sha256 = createHash('sha256').update(readFileSync(real)).digest('hex');
  sources.push(`${soname}: ${basename(real)} of Debian package ${pkg} ${version} (${real}), sha256 ${sha256}`);
}
copyFileSync('/usr/share/common-licenses/GPL-3', join(out, 'licenses', 'GPL-3'));
writeFileSync(join(out, 'licenses', 'SOURCES.txt'), sources.join('\n') + '\n');

for (const file of PATCHED) run('patchelf', ['--set-rpath', '$ORIGIN', join(out, file)]);
console.log(`stage: ${out}: ${['onednn_addon.node', ...bundled].join(', ')}`);
