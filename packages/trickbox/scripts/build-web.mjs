#!/usr/bin/env node
// Bundles the demo pages (web/*.ts + trickbox's browser-safe src/) with esbuild into dist/web/, next to their HTML and
// CSS. TensorFlow.js itself is not bundled: the pages load the stock dist bundles (vendor/tf.min.js,
// vendor/tf-backend-wasm.min.js), and every import of it resolves to the global `tf` they define, so page code and
// trickbox's code share one tfjs engine.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'web');
const GLOBALS = {
  '@tensorflow/tfjs': 'globalThis.tf',
  '@tensorflow/tfjs-core': 'globalThis.tf',
  '@tensorflow/tfjs-layers': 'globalThis.tf',
  '@tensorflow/tfjs-backend-wasm': 'globalThis.tf.wasm',
};

const tfjsFromGlobal = {
  name: 'tfjs-from-global',
  setup(b) {
    b.onResolve({ filter: /^@tensorflow\// }, (args) => {
      if (!(args.path in GLOBALS))
        throw new Error(`build-web: ${args.importer} imports ${args.path}, not in the stock bundles`);
      return { path: args.path, namespace: 'tfjs-global' };
    });
    b.onLoad({ filter: /.*/, namespace: 'tfjs-global' }, (args) => ({
      contents: `module.exports = ${GLOBALS[args.path]};`,
      loader: 'js',
    }));
  },
};

mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints: [join(root, 'web', 'classify.ts'), join(root, 'web', 'train.ts')],
  outdir: out,
  absWorkingDir: root,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  metafile: true,
  plugins: [tfjsFromGlobal],
  logLevel: 'warning',
});
for (const file of ['index.html', 'train.html', 'demo.css']) copyFileSync(join(root, 'web', file), join(out, file));
// The bundled modules, for the test that checks no Node-only module reached the pages (kept out of the site folder).
writeFileSync(
  join(root, 'dist', 'web-bundle-inputs.json'),
  JSON.stringify(Object.keys(result.metafile.inputs).sort(), null, 1) + '\n',
);
