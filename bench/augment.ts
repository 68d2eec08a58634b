// Augmentation throughput (issue 3): trickbox's augment pipelines on one core, side by side with torchvision's
// PIL pipelines (bench/augment_torchvision.py, one thread) in the same run when /usr/bin/python3 has torchvision.
// Images per second, medians of repeated timed passes after a warm-up; ratios trickbox / torchvision.
//
// Usage: node --import tsx bench/augment.ts [--images N] [--repeats R] [--only cifar_full,crop_flip,...]
//        [--skip-torchvision] [--release] [--json out.json]
// --release: every pipeline hands its outputs back with augment.release (the CIFAR pipeline always does, after
// normalising into the batch), which measures the ops without the cost of allocating each output buffer.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as augment from '../packages/trickbox/src/augment/index.js';
import { Rng } from '../packages/trickbox/src/rng/index.js';
import { PYTHON, pythonCannotImport } from './python.js';
import { median } from './stats.js';

const HERE = dirname(fileURLToPath(import.meta.url));

const { values: args } = parseArgs({
  options: {
    images: { type: 'string', default: '2000' },
    repeats: { type: 'string', default: '5' },
    only: { type: 'string', default: '' },
    'skip-torchvision': { type: 'boolean', default: false },
    release: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const N = Number(args.images);
const REPEATS = Number(args.repeats);
const only = new Set(args.only!.split(',').filter(Boolean));

interface Bench {
  name: string;
  label: string;
  size: number;
  transform: augment.Transform;
  /** Normalise to float32 [B,H,W,C] in batches of 128, as the loader does. */
  normalize: boolean;
}

const benches: Bench[] = [
  {
    name: 'cifar_full',
    label: '32×32: random crop (pad 4) + flip + AutoAugment(CIFAR-10) + Random Erasing + normalise',
    size: 32,
    transform: augment.compose([
      augment.randomCrop({ size: 32, padding: 4 }),
      augment.randomHorizontalFlip(),
      augment.autoAugment({ policy: 'cifar10' }),
      augment.randomErasing({ preset: 'torchvision' }),
    ]),
    normalize: true,
  },
  {
    name: 'crop_flip',
    label: '32×32: random crop (pad 4) + flip',
    size: 32,
    transform: augment.compose([augment.randomCrop({ size: 32, padding: 4 }), augment.randomHorizontalFlip()]),
    normalize: false,
  },
  {
    name: 'randaugment',
    label: '32×32: RandAugment (n 2, m 9)',
    size: 32,
    transform: augment.randAugment(),
    normalize: false,
  },
  {
    name: 'trivialaugment',
    label: '32×32: TrivialAugment (wide)',
    size: 32,
    transform: augment.trivialAugment(),
    normalize: false,
  },
  {
    name: 'imagenet_rrc_flip_aa',
    label: '224×224: random resized crop (224) + flip + AutoAugment(ImageNet)',
    size: 224,
    transform: augment.compose([
      augment.randomResizedCrop({ size: 224 }),
      augment.randomHorizontalFlip(),
      augment.autoAugment({ policy: 'imagenet' }),
    ]),
    normalize: false,
  },
];

function noiseImages(size: number, count: number, seed: number): augment.Image[] {
  const r = new Rng(seed);
  return Array.from({ length: count }, () => {
    const data = new Uint8Array(size * size * 3);
    for (let i = 0; i < data.length; i++) data[i] = r.int(256);
    return { data, height: size, width: size, channels: 3 as const };
  });
}

// Throughput is images per CPU-second of this process (user + system time, all its threads: JIT and GC included),
// so that other work on a shared machine does not move the numbers; wall-clock rates are kept in the JSON.
function runOurs(b: Bench): { median: number; runs: number[]; wallMedian: number; images: number } {
  const n = b.size === 32 ? N : Math.max(20, Math.floor(N / 40));
  const pool = noiseImages(b.size, 64, 1);
  const inputs = new Set(pool.map((p) => p.data));
  const rng = new Rng(0);
  const batch: augment.Image[] = [];
  const luts = augment.normalizeLuts(3, augment.CIFAR10_MEAN, augment.CIFAR10_STD);
  const out = new Float32Array(128 * b.size * b.size * 3);
  let sink = 0;
  const pass = (count: number) => {
    for (let i = 0; i < count; i++) {
      const img = b.transform(pool[i % pool.length]!, rng);
      if (b.normalize) {
        batch.push(img);
        if (batch.length === 128 || i === count - 1) {
          let off = 0;
          for (const x of batch) {
            off = augment.normalizeInto(out, off, x, luts);
            if (!inputs.has(x.data)) augment.release(x); // as a loader does once an image is in the batch
          }
          sink += out[0]!;
          batch.length = 0;
        }
      } else {
        sink += img.data[0]!;
        // --release: hand every output back, as a loader does once it has copied the image into its batch
        if (args.release && !inputs.has(img.data)) augment.release(img);
      }
    }
  };
  pass(Math.min(n, 1000)); // warm-up (JIT)
  const runs: number[] = [];
  const wall: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    pass(n);
    const c = process.cpuUsage(c0);
    runs.push(n / ((c.user + c.system) / 1e6));
    wall.push(n / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  if (Number.isNaN(sink)) console.log('');
  return { median: median(runs), runs, wallMedian: median(wall), images: n };
}

function runTorchvision(): { version: string; results: Record<string, { median: number; runs: number[] }> } | null {
  if (args['skip-torchvision']) return null;
  if (pythonCannotImport('torchvision')) {
    console.log(`torchvision not available for ${PYTHON}: trickbox numbers only`);
    return null;
  }
  const r = spawnSync(
    PYTHON,
    [
      join(HERE, 'augment_torchvision.py'),
      '--images',
      String(N),
      '--repeats',
      String(REPEATS),
      '--only',
      [...only].join(','),
    ],
    { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' } },
  );
  if (r.status !== 0) {
    console.log(`torchvision benchmark failed:\n${r.stderr}`);
    return null;
  }
  const j = JSON.parse(r.stdout.trim().split('\n').pop()!);
  return { version: j.torchvision, results: j.results };
}

const selected = benches.filter((b) => only.size === 0 || only.has(b.name));
console.log(
  `augment benchmark: ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
console.log(
  `node ${process.version}, one thread, images per CPU-second; ${N} images per pass at 32×32 (${Math.max(20, Math.floor(N / 40))} at 224×224), ${REPEATS} passes, medians\n`,
);
const ours = new Map(selected.map((b) => [b.name, runOurs(b)]));
const tv = runTorchvision();
const rows = selected.map((b) => {
  const o = ours.get(b.name)!;
  const t = tv?.results[b.name];
  return {
    name: b.name,
    label: b.label,
    trickbox: o.median,
    torchvision: t?.median ?? null,
    ratio: t ? o.median / t.median : null,
  };
});
const fmt = (x: number | null) => (x === null ? '—' : x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));
console.log(`| pipeline | trickbox img/s | torchvision ${tv?.version ?? ''} (PIL) img/s | ratio |`);
console.log('| --- | ---: | ---: | ---: |');
for (const r of rows)
  console.log(
    `| ${r.label} | ${fmt(r.trickbox)} | ${fmt(r.torchvision)} | ${r.ratio === null ? '—' : r.ratio.toFixed(1) + '×'} |`,
  );
if (args.json)
  writeFileSync(args.json, JSON.stringify({ rows, ours: Object.fromEntries(ours), torchvision: tv }, null, 2));
