// Saving and loading tfjs layers models as files (model.json + weights.bin), without tfjs-node's file:// handler.
// Loading parses JSON and float data only: no code from the file is executed.
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import type { Preprocessing } from '../browser/preprocessing.js';
import { writeFileAtomic } from './io.js';

// Defined with the browser-safe code, which the classify page shares.
export type { Preprocessing };

/** Writes `dir/model.json` (topology, weights manifest, preprocessing in userDefinedMetadata) and `dir/weights.bin`. */
export async function saveModel(model: tf.LayersModel, dir: string, preprocessing: Preprocessing): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData;
      const bytes =
        data instanceof ArrayBuffer
          ? new Uint8Array(data)
          : new Uint8Array(tf.io.concatenateArrayBuffers(data as ArrayBuffer[]));
      writeFileAtomic(join(dir, 'weights.bin'), bytes);
      const json = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: 'trickbox',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        userDefinedMetadata: { trickbox: { preprocessing } },
      };
      writeFileAtomic(join(dir, 'model.json'), JSON.stringify(json));
      writeFileAtomic(join(dir, 'preprocessing.json'), JSON.stringify(preprocessing, null, 2) + '\n');
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

/** Resolves a run directory, a model directory or a model.json path to the model.json file. */
export function resolveModelJson(path: string): string {
  if (existsSync(path) && statSync(path).isDirectory()) {
    for (const cand of [join(path, 'model', 'model.json'), join(path, 'model.json')]) if (existsSync(cand)) return cand;
    throw new Error(
      `${path}: no model.json found (expected a run directory with model/model.json, or an exported model)`,
    );
  }
  if (!existsSync(path)) throw new Error(`${path}: model not found`);
  return path;
}

/** Loads a model saved by `saveModel` (or any tfjs layers model.json with local weight files). */
export async function loadModel(
  path: string,
): Promise<{ model: tf.LayersModel; preprocessing?: Preprocessing; file: string }> {
  const file = resolveModelJson(path);
  let json: any;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not a valid model.json (${(e as Error).message})`);
  }
  if (!json?.modelTopology || !Array.isArray(json.weightsManifest))
    throw new Error(`${file}: not a tfjs layers model.json (modelTopology / weightsManifest missing)`);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths as string[]) {
      if (p.includes('..') || p.startsWith('/'))
        throw new Error(`${file}: weight path '${p}' leaves the model directory`);
      parts.push(readFileSync(join(dirname(file), p)));
    }
  }
  const total = parts.reduce((s, p) => s + p.length, 0);
  const weightData = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    weightData.set(p, off);
    off += p.length;
  }
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: weightData.buffer }),
    );
  } catch (e) {
    // e.g. an unknown layer class (only registered tfjs classes are ever built; nothing in the file is run)
    throw new Error(`${file}: cannot build the model (${(e as Error).message.split('\n')[0]})`);
  }
  return { model, preprocessing: json.userDefinedMetadata?.trickbox?.preprocessing, file };
}
