// `trickbox export`: a run's model as a TensorFlow.js layers model of built-in layers only (loadable by the stock
// tfjs bundle with no trickbox code), its preprocessing, and the demo pages beside it.
import { DataFileError } from '../data/idx.js';
import { foldForInference, toStandardLayers } from '../models/standard.js';
import { loadModel, saveModel, type Preprocessing } from '../train/modelio.js';
import { writeDemoPages } from './site.js';

export interface WebExport {
  parameters: number;
  preprocessing: Preprocessing;
}

export async function exportForWeb(
  source: string,
  out: string,
  options: { foldBn?: boolean } = {},
): Promise<WebExport> {
  const { model: loaded, preprocessing, file } = await loadModel(source);
  if (!preprocessing) {
    loaded.dispose();
    throw new DataFileError(file, 'has no preprocessing metadata (userDefinedMetadata.trickbox.preprocessing)');
  }
  const custom = loaded.layers.some((l) => l.getClassName().startsWith('Trickbox'));
  const model = options.foldBn ? foldForInference(loaded) : custom ? toStandardLayers(loaded) : loaded;
  try {
    await saveModel(model, out, preprocessing);
    writeDemoPages(out);
    return { parameters: model.countParams(), preprocessing };
  } finally {
    // The converted model holds copies of the weights (setWeights), so both are disposed.
    if (model !== loaded) model.dispose();
    loaded.dispose();
  }
}
