// Child process of streaming_rss.test.ts: one epoch of a DataLoader over an image folder, then one JSON line with
// the process's RSS before the folder was opened and its peak (the kernel's maxRSS, so no sample can miss it).
// Usage: node rss_child.js DIR BUDGET_BYTES STREAMING(true|false) WORKERS
import { openImageFolder, DataLoader, isFileDataset, streamingMemoryBound } from '../../src/data/index.js';

const [dir, budgetArg, streamingArg, workersArg] = process.argv.slice(2);
const memoryBudget = Number(budgetArg);
const workers = Number(workersArg);
const rssBefore = process.memoryUsage.rss();
const ds = await openImageFolder({
  dir: dir!,
  height: 400,
  width: 400,
  streaming: streamingArg === 'true',
  memoryBudget,
  log: () => undefined,
});
const batchSize = 32;
const loader = new DataLoader(ds, {
  batchSize,
  mean: [0.5, 0.5, 0.5],
  std: [0.25, 0.25, 0.25],
  workers,
  transforms: [{ name: 'randomResizedCrop', options: { size: 224 } }, { name: 'randomHorizontalFlip' }],
});
let images = 0;
for (let epoch = 0; epoch < 2; epoch++) for await (const b of loader.epoch(epoch)) images += b.y.length;
await loader.close();
const bound = isFileDataset(ds)
  ? streamingMemoryBound({ batchSize, workers, prefetch: loader.prefetchDepth, ...ds, outHeight: 224, outWidth: 224 })
  : undefined;
console.log(
  JSON.stringify({
    images,
    rssBefore,
    peakRss: process.resourceUsage().maxRSS * 1024,
    streamed: isFileDataset(ds),
    prefetch: loader.prefetchDepth,
    bound,
  }),
);
