// Forward convolution time per oneDNN implementation choice: the backend's shape-based choice (default) against
// oneDNN's first choice (TFJS_ONEDNN_CONV_IMPL=first), on the convolutions of a CIFAR ResNet-20 at batch 128.
//   node --import tsx bench/conv_impl.ts [--rounds 3] [--iters 40]
// Each round runs both settings in fresh child processes (the setting is read once per process), alternating, and
// prints the median over the rounds of each shape's median time.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { native } from '../packages/tfjs-backend-onednn/src/native.js';
import { median } from './stats.js';

// [name, params of native.conv2d: n, ih, iw, ic, oc, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, groups]
const SHAPES: [string, number[]][] = [
  ['stem 1->16 28x28', [128, 28, 28, 1, 16, 28, 28, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1]],
  ['stage 1 16->16 28x28', [128, 28, 28, 16, 16, 28, 28, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1]],
  ['down 16->32 28x28 /2', [128, 28, 28, 16, 32, 14, 14, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1, 1]],
  ['stage 2 32->32 14x14', [128, 14, 14, 32, 32, 14, 14, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1]],
  ['down 32->64 14x14 /2', [128, 14, 14, 32, 64, 7, 7, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1, 1]],
  ['stage 3 64->64 7x7', [128, 7, 7, 64, 64, 7, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1]],
  ['stem 3->16 32x32', [128, 32, 32, 3, 16, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1]],
  ['stage 1 16->16 32x32', [128, 32, 32, 16, 16, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1]],
];
const VARIANTS = ['plain', 'bias+ReLU', 'bias+residual+ReLU'] as const;

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    iters: { type: 'string', default: '40' },
    child: { type: 'boolean', default: false },
  },
});
const iters = Number(values.iters);

/** Child: median ms of each shape and variant, as JSON. */
function measure(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, p] of SHAPES) {
    const random = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (Math.random() - 0.5) * scale);
    const x = random(p[0] * p[1] * p[2] * p[3]);
    const w = random(p[7] * p[8] * p[3] * p[4], 0.2);
    const bias = random(p[4]);
    const outSize = p[0] * p[5] * p[6] * p[4];
    const ys = [0, 1, 2].map(() => new Float32Array(outSize));
    const residual = random(outSize);
    for (const variant of VARIANTS) {
      if (variant === 'bias+residual+ReLU' && (p[3] !== p[4] || p[9] !== 1)) continue;
      const times: number[] = [];
      for (let i = 0; i < iters; i++) {
        const t0 = performance.now();
        if (variant === 'plain') native.conv2d(x, w, null, ys[i % 3], p, false);
        else native.conv2d(x, w, bias, ys[i % 3], p, true, variant === 'bias+ReLU' ? null : residual);
        times.push(performance.now() - t0);
      }
      out[`${name} | ${variant}`] = median(times.slice(3));
    }
  }
  return out;
}

if (values.child) {
  console.log(JSON.stringify(measure()));
} else {
  const settings = { tuned: undefined, first: 'first' } as const;
  const results: Record<string, Record<string, number[]>> = { tuned: {}, first: {} };
  const script = fileURLToPath(import.meta.url);
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const [label, value] of Object.entries(settings)) {
      const env = { ...process.env };
      if (value) env.TFJS_ONEDNN_CONV_IMPL = value;
      else delete env.TFJS_ONEDNN_CONV_IMPL;
      const run = spawnSync(process.execPath, [...process.execArgv, script, '--child', '--iters', String(iters)], {
        env,
        encoding: 'utf8',
      });
      if (run.status !== 0) throw new Error(`child failed: ${run.stderr}`);
      const line = run.stdout.trim().split('\n').pop()!;
      for (const [key, ms] of Object.entries(JSON.parse(line) as Record<string, number>)) {
        (results[label][key] ??= []).push(ms);
      }
    }
  }
  console.log(`forward convolution, batch 128, ms (median of ${values.rounds} rounds of medians of ${iters} calls)`);
  console.log('| shape | post-ops | backend choice | oneDNN first choice | ratio |');
  console.log('| --- | --- | ---: | ---: | ---: |');
  for (const key of Object.keys(results.tuned)) {
    const [shape, variant] = key.split(' | ');
    const a = median(results.tuned[key]);
    const b = median(results.first[key]);
    console.log(`| ${shape} | ${variant} | ${a.toFixed(3)} | ${b.toFixed(3)} | ${(b / a).toFixed(2)}× |`);
  }
}
