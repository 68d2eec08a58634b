// Streaming image-folder loader (issue 15) side by side with torchvision's ImageFolder + DataLoader: one epoch over
// the same folder of JPEGs with the same worker count, decode + random resized crop 224 + flip + normalise, batches
// of 64, the two contenders taking turns for --rounds rounds. Medians of images/s and the paired ratios, CPU seconds
// and peak RSS per epoch. See docs/benchmarks.md ("Streaming image folders").
//
// Usage: node --import tsx bench/folder_loader.ts DIR [--workers 2] [--rounds 3] [--size 256] [--budget-mb 256]
//        [--batch 64] [--original] [--skip-torch] [--json out.json]
// --original: trickbox decodes each image at its own size (`resizeOnDecode: false`) and crops from it, as
// torchvision does; without it, each image is resized to --size while decoding (the in-memory loader's pixels).
// DIR: e.g. made by `/usr/bin/python3 scripts/data/make-jpeg-folder.py DIR --count 3000`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PYTHON, pythonCannotImport } from './python.js';
import { median } from './stats.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    workers: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    size: { type: 'string', default: '256' },
    'budget-mb': { type: 'string', default: '256' },
    batch: { type: 'string', default: '64' },
    original: { type: 'boolean', default: false },
    'skip-torch': { type: 'boolean', default: false },
    child: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const dir = positionals[0];
if (!dir)
  throw new Error('bench/folder_loader: give the image folder, e.g. one made by scripts/data/make-jpeg-folder.py');
const workers = Number(args.workers);
const rounds = Number(args.rounds);
const size = Number(args.size);
const batch = Number(args.batch);
const budget = Number(args['budget-mb']) * 2 ** 20;
const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

interface EpochResult {
  images: number;
  seconds: number;
  imagesPerSec: number;
  cpuSeconds: number;
  peakRssBytes: number;
  rssBeforeBytes?: number;
  streaming?: boolean;
  decodedBytes?: number;
  boundBytes?: number;
  prefetch?: number;
}

/** One epoch of trickbox's loader, in this process (run as a child of the parent, so each epoch starts fresh). */
async function oursEpoch(): Promise<EpochResult> {
  const data = await import('../packages/trickbox/src/data/index.js');
  const ds = await data.openImageFolder({
    dir,
    height: size,
    width: size,
    memoryBudget: budget,
    resizeOnDecode: !args.original,
    log: () => undefined,
  });
  const streaming = data.isFileDataset(ds);
  const loader = new data.DataLoader(ds, {
    batchSize: batch,
    mean: IMAGENET_MEAN,
    std: IMAGENET_STD,
    seed: 0,
    workers,
    transforms: [
      { name: 'randomResizedCrop', options: { size: 224 } },
      { name: 'randomHorizontalFlip', options: { p: 0.5 } },
    ],
  });
  const rssBefore = process.memoryUsage.rss();
  let peak = rssBefore;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0,
    check = 0;
  for await (const b of loader.epoch(0)) {
    n += b.y.length;
    check += b.x[0]!;
    peak = Math.max(peak, process.memoryUsage.rss());
  }
  const seconds = (performance.now() - t0) / 1000;
  await loader.close();
  clearInterval(timer);
  const c = process.cpuUsage(c0);
  if (Number.isNaN(check)) console.error('NaN in a batch');
  return {
    images: n,
    seconds,
    imagesPerSec: n / seconds,
    cpuSeconds: (c.user + c.system) / 1e6,
    peakRssBytes: peak,
    rssBeforeBytes: rssBefore,
    streaming,
    decodedBytes: data.decodedBytes(ds.labels.length, size, size, 3),
    prefetch: loader.prefetchDepth,
    boundBytes: data.streamingMemoryBound({
      batchSize: batch,
      workers,
      prefetch: loader.prefetchDepth,
      height: ds.height,
      width: ds.width,
      channels: 3,
      outHeight: 224,
      outWidth: 224,
    }),
  };
}

function runChild(cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env): EpochResult {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as EpochResult;
}

async function main(): Promise<void> {
  if (args.child) {
    console.log(JSON.stringify(await oursEpoch()));
    return;
  }
  const torchMissing = args['skip-torch'] ? '--skip-torch' : pythonCannotImport('torchvision');
  const self = fileURLToPath(import.meta.url);
  const childArgs = [...process.execArgv, self, dir, '--child', '--workers', String(workers), '--size', String(size)];
  childArgs.push('--budget-mb', String(args['budget-mb']), '--batch', String(batch));
  if (args.original) childArgs.push('--original');
  const load = [
    loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
  ];
  console.log(`folder loader benchmark: ${cpus()[0]?.model ?? 'cpu'}, ${cpus().length} CPUs, load ${load[0]}`);
  const decodes = args.original ? 'at its own size' : `to ${size}x${size}`;
  console.log(`${dir}: ${workers} worker(s), batch ${batch}, trickbox decodes ${decodes} (sharp) then`);
  console.log(
    `randomResizedCrop 224 + flip + normalise; torchvision: PIL decode + RandomResizedCrop(224) + flip + ToTensor + Normalize\n`,
  );
  const ours: EpochResult[] = [];
  const theirs: EpochResult[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate who goes first, so a change of machine load does not always hit the same contender.
    const order = r % 2 === 0 ? ['ours', 'torch'] : ['torch', 'ours'];
    for (const who of order) {
      if (who === 'ours') ours.push(runChild(process.execPath, childArgs));
      else if (!torchMissing) {
        const argv = [
          join(HERE, 'folder_loader_torch.py'),
          dir,
          '--workers',
          String(workers),
          '--batch',
          String(batch),
        ];
        theirs.push(runChild(PYTHON, argv, { ...process.env, OMP_NUM_THREADS: '1' }));
      }
    }
    const o = ours[ours.length - 1]!,
      t = theirs[theirs.length - 1];
    console.log(
      `round ${r + 1}: trickbox ${o.imagesPerSec.toFixed(1)} img/s (${o.cpuSeconds.toFixed(1)} CPU-s, peak RSS ` +
        `${(o.peakRssBytes / 2 ** 20).toFixed(0)} MiB)` +
        (t
          ? `, torchvision ${t.imagesPerSec.toFixed(1)} img/s (${t.cpuSeconds.toFixed(1)} CPU-s, peak RSS ` +
            `${(t.peakRssBytes / 2 ** 20).toFixed(0)} MiB), ratio ${(o.imagesPerSec / t.imagesPerSec).toFixed(2)}×`
          : ''),
    );
    load.push(
      loadavg()
        .map((x) => x.toFixed(2))
        .join(' '),
    );
  }
  const med = (rs: EpochResult[], f: (e: EpochResult) => number) => (rs.length ? median(rs.map(f)) : NaN);
  const paired = theirs.length ? median(ours.map((o, i) => o.imagesPerSec / theirs[i]!.imagesPerSec)) : NaN;
  const o0 = ours[0]!;
  console.log(
    `\nmedian: trickbox ${med(ours, (e) => e.imagesPerSec).toFixed(1)} img/s, torchvision ` +
      `${med(theirs, (e) => e.imagesPerSec).toFixed(1)} img/s; paired ratio ${paired.toFixed(2)}×; CPU-s per 1000 images ` +
      `${((1000 * med(ours, (e) => e.cpuSeconds)) / o0.images).toFixed(2)} vs ` +
      `${((1000 * med(theirs, (e) => e.cpuSeconds)) / o0.images).toFixed(2)}`,
  );
  console.log(
    `trickbox memory: ${o0.streaming ? 'streaming' : 'in memory'} (decoded set ${(o0.decodedBytes! / 2 ** 20).toFixed(0)} MiB, ` +
      `budget ${(budget / 2 ** 20).toFixed(0)} MiB; prefetch ${o0.prefetch}, pixel bound of the streaming loader ` +
      `${(o0.boundBytes! / 2 ** 20).toFixed(0)} MiB); ` +
      `RSS before the epoch ${(med(ours, (e) => e.rssBeforeBytes!) / 2 ** 20).toFixed(0)} MiB, peak ` +
      `${(med(ours, (e) => e.peakRssBytes) / 2 ** 20).toFixed(0)} MiB (median); torchvision peak (main + workers) ` +
      `${(med(theirs, (e) => e.peakRssBytes) / 2 ** 20).toFixed(0)} MiB`,
  );
  console.log(`load average before and after each round: ${load.join(' | ')}`);
  const out = {
    date: new Date().toISOString(),
    dir,
    workers,
    batch,
    size,
    budget,
    original: args.original,
    load,
    ours,
    torchvision: theirs,
    paired,
  };
  const path = args.json ?? join(HERE, 'results', `folder-loader-${out.date.slice(0, 10)}.json`);
  mkdirSync(dirname(resolve(path)), { recursive: true });
  writeFileSync(path, JSON.stringify(out, null, 1) + '\n');
  console.log(`raw results: ${path}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
