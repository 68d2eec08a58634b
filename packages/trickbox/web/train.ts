// The in-browser training page (train.html): trains trickbox's small CNN on the Fashion-MNIST slice written next to
// the page, with trickbox's own augmentations, mixup, label smoothing and warmup + cosine, on tfjs's webgl backend
// where it starts, else wasm, else cpu. `window.trickboxTrain` exposes the run for tests and scripts.
import { decodeSlice, inTabModel, trainInTab, type SliceManifest, type TrainingSlice } from '../src/browser/index.js';
import { pickBackend } from './backend.js';
import { LiveChart } from './chart.js';
import { byId, showError } from './page.js';

export interface TrainRunResult {
  accuracy: number;
  backend: string;
  imagesPerSecond: number;
}

declare global {
  interface Window {
    trickboxTrain: {
      ready: Promise<void>;
      run(options: { steps: number; batchSize?: number; seed?: number }): Promise<TrainRunResult>;
    };
  }
}

const SLICE = 'data/fashion-slice';
const status = byId<HTMLParagraphElement>('status');
const chart = new LiveChart(byId<HTMLCanvasElement>('chart'), 150);
let slice: TrainingSlice | undefined;
let running = false;

async function loadSlice(): Promise<TrainingSlice> {
  const [manifestResponse, binResponse] = await Promise.all([fetch(`${SLICE}.json`), fetch(`${SLICE}.bin`)]);
  if (!manifestResponse.ok || !binResponse.ok) {
    throw new Error(
      `${SLICE}.json/.bin not found next to this page: \`trickbox demo\` writes them from the Fashion-MNIST files ` +
        '(apt-get install dataset-fashion-mnist, or trickbox demo --data DIR)',
    );
  }
  const manifest = (await manifestResponse.json()) as SliceManifest;
  byId('source').textContent =
    `${manifest.trainCount} training and ${manifest.holdOutCount} hold-out images, ${manifest.source}`;
  return decodeSlice(`${SLICE}.bin`, manifest, new Uint8Array(await binResponse.arrayBuffer()));
}

async function start(): Promise<void> {
  const backend = await pickBackend();
  slice = await loadSlice();
  const probe = inTabModel(slice);
  status.textContent =
    `ready: backend ${backend.name}${backend.note ? ` (${backend.note})` : ''}, ` +
    `small CNN of ${probe.countParams()} parameters`;
  probe.dispose();
}

async function run(options: { steps: number; batchSize?: number; seed?: number }): Promise<TrainRunResult> {
  await ready;
  if (running) throw new Error('a training run is already going on in this tab');
  running = true;
  try {
    chart.reset(options.steps);
    const result = await trainInTab(slice!, {
      ...options,
      onStep: async (p) => {
        chart.add(p.step, p.loss, p.holdOutAccuracy);
        status.textContent = `step ${p.step}/${p.steps}: loss ${p.loss.toFixed(3)}, lr ${p.lr.toFixed(4)}`;
        if (p.step % 5 === 0 || p.step === p.steps) {
          chart.draw();
          await new Promise((resolve) => setTimeout(resolve, 0)); // let the page repaint
        }
      },
    });
    status.textContent =
      `done: hold-out accuracy ${(100 * result.accuracy).toFixed(1)} % after ${result.steps} steps, ` +
      `${result.imagesPerSecond.toFixed(0)} images/s on ${result.backend}`;
    return { accuracy: result.accuracy, backend: result.backend, imagesPerSecond: result.imagesPerSecond };
  } finally {
    running = false;
  }
}

const ready = start();
ready.catch(showError);
window.trickboxTrain = { ready, run };

byId('start').addEventListener('click', () => {
  const steps = Number(byId<HTMLInputElement>('steps').value);
  const batchSize = Number(byId<HTMLInputElement>('batch').value);
  run({ steps, batchSize }).catch(showError);
});
