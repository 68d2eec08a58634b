// The classify page (index.html): loads the exported model with the stock TensorFlow.js bundle and classifies a
// chosen or dropped picture. `window.trickboxDemo` exposes the same for tests and scripts.
import * as tf from '@tensorflow/tfjs';
import { pickBackend } from './backend.js';
import { byId, showError } from './page.js';
import { describe, loadImage, resizeToInput, toInputTensor, type Preprocessing } from './preprocess.js';

export interface Prediction {
  className: string;
  probability: number;
}

declare global {
  interface Window {
    trickboxDemo: {
      ready: Promise<void>;
      classify(imageUrlOrDataUrl: string): Promise<Prediction[]>;
    };
  }
}

const status = byId<HTMLParagraphElement>('status');
let model: tf.LayersModel | undefined;
let preprocessing: Preprocessing | undefined;

async function start(): Promise<void> {
  const backend = await pickBackend();
  model = await tf.loadLayersModel('model.json');
  const meta = model.getUserDefinedMetadata() as { trickbox?: { preprocessing?: Preprocessing } } | undefined;
  preprocessing = meta?.trickbox?.preprocessing;
  if (!preprocessing)
    throw new Error('model.json has no userDefinedMetadata.trickbox.preprocessing (export it with trickbox export)');
  byId('preprocessing').textContent = describe(preprocessing);
  status.textContent = `model loaded: ${model.countParams()} parameters, ${preprocessing.classNames.length} classes, backend ${backend.name}${backend.note ? ` (${backend.note})` : ''}`;
}

/** All classes, most probable first; the probabilities (softmax of the logits) sum to 1. */
async function classify(url: string): Promise<Prediction[]> {
  await ready;
  const p = preprocessing!;
  const img = await loadImage(url);
  byId<HTMLImageElement>('original').src = url;
  const pixels = resizeToInput(img, p, byId<HTMLCanvasElement>('input'));
  const probabilities = tf.tidy(() => {
    const logits = model!.predict(toInputTensor(pixels, p)) as tf.Tensor2D;
    return tf.softmax(logits).dataSync();
  });
  const ranked = Array.from(probabilities, (probability, k) => ({
    className: p.classNames[k] ?? String(k),
    probability,
  }));
  ranked.sort((a, b) => b.probability - a.probability);
  show(ranked);
  return ranked;
}

function show(ranked: Prediction[]): void {
  const list = byId<HTMLOListElement>('top');
  list.replaceChildren(
    ...ranked.slice(0, 5).map(({ className, probability }) => {
      const item = document.createElement('li');
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.width = `${(100 * probability).toFixed(1)}%`;
      item.append(`${className} — ${(100 * probability).toFixed(1)} %`, bar);
      return item;
    }),
  );
}

function classifyFile(file: File | undefined): void {
  if (!file) return;
  const reader = new FileReader();
  reader.onload = () => void classify(String(reader.result)).catch(showError);
  reader.readAsDataURL(file);
}

const ready = start();
ready.catch(showError);
window.trickboxDemo = { ready, classify };

byId<HTMLInputElement>('file').addEventListener('change', (e) =>
  classifyFile((e.target as HTMLInputElement).files?.[0]),
);
const drop = byId('drop');
drop.addEventListener('dragover', (e) => e.preventDefault());
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  classifyFile(e.dataTransfer?.files[0]);
});
