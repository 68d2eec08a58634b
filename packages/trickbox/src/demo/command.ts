// `trickbox demo <run-or-export-dir>`: makes the folder the pages are served from, with the training page's data.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataFileError } from '../data/idx.js';
import { exportForWeb } from './export.js';
import { writeFashionSlice } from './fashion_slice.js';
import { writeDemoPages } from './site.js';

export interface DemoSite {
  dir: string;
  /** Images in the training page's slice (0 when the dataset was not found). */
  trainImages: number;
}

/**
 * An exported model folder (model.json) is served as it is, with the pages refreshed; a run directory
 * (model/model.json) is first exported into `<run>/web/`. The Fashion-MNIST slice goes to `<dir>/data/`.
 */
export async function prepareDemoSite(
  target: string,
  options: { dataDir?: string; log: (line: string) => void },
): Promise<DemoSite> {
  let dir: string;
  if (existsSync(join(target, 'model.json'))) {
    dir = target;
    writeDemoPages(dir);
  } else if (existsSync(join(target, 'model', 'model.json'))) {
    dir = join(target, 'web');
    await exportForWeb(target, dir);
    options.log(`demo: exported ${join(target, 'model')} for the browser into ${dir}`);
  } else {
    throw new DataFileError(target, 'neither a run directory (model/model.json) nor an exported model (model.json)');
  }
  try {
    const manifest = writeFashionSlice(join(dir, 'data'), { dataDir: options.dataDir });
    return { dir, trainImages: manifest.trainCount };
  } catch (e) {
    if (!(e instanceof DataFileError)) throw e;
    options.log(`demo: the training page has no data (${e.message}); the classify page works`);
    return { dir, trainImages: 0 };
  }
}
