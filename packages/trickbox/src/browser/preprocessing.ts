// The preprocessing saved with a model (model.json's userDefinedMetadata.trickbox.preprocessing): shared by the Node
// side (train/modelio.ts) and the classify page, so it lives with the browser-safe code.

/** Preprocessing a saved model expects: the input size, normalisation and class names. */
export interface Preprocessing {
  height: number;
  width: number;
  channels: 1 | 3;
  /** Per-channel mean / std on the [0, 1] pixel scale: x = (p/255 − mean) / std. */
  mean: number[];
  std: number[];
  classNames: string[];
}
