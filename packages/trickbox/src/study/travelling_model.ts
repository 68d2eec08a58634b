// A teacher's saved model as it travels through the queue (docs/studies.md, "Distillation in a study"): the files of
// its model/ directory, base64 in the job's JSON. Up to a size limit, so that Redis never holds a huge value; a larger
// teacher is refused with a message saying so.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';

/** File name → base64 of its bytes. */
export type ModelFiles = Record<string, string>;

/** The most a teacher model (the sum of its files) may weigh to travel with a trial's job or result: 64 MiB. */
export const MAX_TRAVELLING_MODEL_BYTES = 64 * 2 ** 20;

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** The files of a model directory (model.json, weights.bin, …); throws naming the directory when it has none. */
export function packModel(modelDir: string, limit = MAX_TRAVELLING_MODEL_BYTES): ModelFiles {
  if (!existsSync(join(modelDir, 'model.json'))) throw new Error(`${modelDir}: no model.json (no saved model)`);
  const names = readdirSync(modelDir).filter((n) => statSync(join(modelDir, n)).isFile());
  const bytes = names.reduce((s, n) => s + statSync(join(modelDir, n)).size, 0);
  if (bytes > limit)
    throw new Error(
      `${modelDir}: the teacher model is ${mib(bytes)}; at most ${mib(limit)} travels through the queue — train this study locally`,
    );
  return Object.fromEntries(names.map((n) => [n, readFileSync(join(modelDir, n)).toString('base64')]));
}

/** Writes the files into modelDir, leaving those that already hold the same bytes (shared storage); model.json last. */
export function unpackModel(modelDir: string, files: ModelFiles): void {
  const names = Object.keys(files).sort((a, b) => Number(a === 'model.json') - Number(b === 'model.json'));
  for (const name of names) {
    if (name.includes('/') || name.includes('\\') || name.startsWith('.'))
      throw new Error(`${modelDir}: model file name '${name}' leaves the model directory`);
    const bytes = Buffer.from(files[name], 'base64');
    const file = join(modelDir, name);
    if (existsSync(file) && readFileSync(file).equals(bytes)) continue;
    writeFileAtomic(file, bytes);
  }
}
