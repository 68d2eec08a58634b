#!/usr/bin/env node
// `npm run pack`: installable tarballs of every package in dist-pack/. The workspaces are packed as they are (each
// package.json's `files` decides what goes in); the prebuilt platform package is first staged into a temporary
// folder from the source build (packages/tfjs-backend-onednn-linux-x64-gnu/scripts/stage.mjs).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const destination = join(root, 'dist-pack');
const WORKSPACES = ['packages/tfjs-backend-onednn', 'packages/trickbox'];
const PLATFORM = 'packages/tfjs-backend-onednn-linux-x64-gnu';

/** Packs `target` (a folder) into dist-pack/; returns npm's report (file name, size, entry count). */
function pack(target, cwd = root) {
  const json = execFileSync('npm', ['pack', target, '--pack-destination', destination, '--json', '--ignore-scripts'], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(json)[0];
}

rmSync(destination, { recursive: true, force: true });
mkdirSync(destination);
const reports = WORKSPACES.map((w) => pack(join(root, w)));
const stage = mkdtempSync(join(tmpdir(), 'trickbox-stage-'));
try {
  execFileSync(process.execPath, [join(root, PLATFORM, 'scripts', 'stage.mjs'), stage], { stdio: 'inherit' });
  reports.push(pack(stage));
} finally {
  rmSync(stage, { recursive: true, force: true });
}
for (const r of reports) {
  console.log(`dist-pack/${r.filename}  ${(r.size / 1024).toFixed(0)} KiB packed, ${r.entryCount} files`);
}
