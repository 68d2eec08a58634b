// Writes the static demo pages into a folder beside an exported model: the classify page (index.html), the in-tab
// training page (train.html), their bundles (built by scripts/build-web.mjs into dist/web/) and the stock
// TensorFlow.js browser bundles from node_modules (vendor/). Every file is written atomically.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../fs/atomic.js';

const PAGE_FILES = ['index.html', 'classify.js', 'train.html', 'train.js', 'demo.css'];

/** The stock bundles the pages load: tfjs (core, layers, cpu, webgl) and the wasm backend with its binaries. */
const VENDOR_FILES: ReadonlyArray<[pkg: string, file: string]> = [
  ['@tensorflow/tfjs', 'tf.min.js'],
  ['@tensorflow/tfjs-backend-wasm', 'tf-backend-wasm.min.js'],
  ['@tensorflow/tfjs-backend-wasm', 'tfjs-backend-wasm.wasm'],
  ['@tensorflow/tfjs-backend-wasm', 'tfjs-backend-wasm-simd.wasm'],
  ['@tensorflow/tfjs-backend-wasm', 'tfjs-backend-wasm-threaded-simd.wasm'],
];

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('trickbox: package root not found');
    dir = parent;
  }
  return dir;
}

/** dist/web/ of the trickbox package, whether this module runs from src/ (tsx) or dist/src/. */
export function builtPagesDir(): string {
  const dir = join(packageRoot(), 'dist', 'web');
  if (!existsSync(join(dir, 'train.js'))) {
    throw new Error(`${dir}: the demo pages are not built; run \`npm run build\` in the trickbox checkout`);
  }
  return dir;
}

function vendorFile(pkg: string, file: string): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve(`${pkg}/package.json`)), 'dist', file);
}

/** Copies the pages and vendor/ into `dir`; returns the files written, relative to `dir`. */
export function writeDemoPages(dir: string): string[] {
  const pages = builtPagesDir();
  const written: string[] = [];
  for (const file of PAGE_FILES) {
    writeFileAtomic(join(dir, file), readFileSync(join(pages, file)));
    written.push(file);
  }
  for (const [pkg, file] of VENDOR_FILES) {
    writeFileAtomic(join(dir, 'vendor', file), readFileSync(vendorFile(pkg, file)));
    written.push(`vendor/${file}`);
  }
  return written;
}
