/**
 * The small dataset file the in-browser training page reads: a JSON manifest (`<name>.json`) and one binary file
 * (`<name>.bin`) holding the training images, training labels, hold-out images and hold-out labels as uint8, in that
 * order. Written by `trickbox demo` from the machine's dataset; read by the page with fetch. Plain TypeScript.
 */
export const SLICE_FORMAT = 'trickbox-slice-1';

export interface SliceSplit {
  /** N·H·W·C uint8, HWC interleaved. */
  images: Uint8Array;
  /** N class indices. */
  labels: Uint8Array;
}

/** What every image of a slice shares. */
export interface SliceImages {
  height: number;
  width: number;
  channels: 1 | 3;
  classNames: string[];
  /** Per-channel mean / std of the training images on the [0, 1] scale. */
  mean: number[];
  std: number[];
}

export interface TrainingSlice extends SliceImages {
  train: SliceSplit;
  holdOut: SliceSplit;
}

export interface SliceManifest extends SliceImages {
  format: typeof SLICE_FORMAT;
  /** Where the images came from (shown on the page). */
  source: string;
  trainCount: number;
  holdOutCount: number;
  /** Byte length of the .bin file. */
  bytes: number;
}

export function encodeSlice(slice: TrainingSlice, source: string): { manifest: SliceManifest; bytes: Uint8Array } {
  const parts = [slice.train.images, slice.train.labels, slice.holdOut.images, slice.holdOut.labels];
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    bytes.set(p, offset);
    offset += p.length;
  }
  const { height, width, channels, classNames, mean, std } = slice;
  const manifest: SliceManifest = {
    format: SLICE_FORMAT,
    source,
    height,
    width,
    channels,
    classNames,
    mean,
    std,
    trainCount: slice.train.labels.length,
    holdOutCount: slice.holdOut.labels.length,
    bytes: bytes.length,
  };
  return { manifest, bytes };
}

/** Checks the manifest against the bytes and splits them; errors name `file` and the field. */
export function decodeSlice(file: string, manifest: SliceManifest, bytes: Uint8Array): TrainingSlice {
  const fail = (what: string): never => {
    throw new Error(`${file}: ${what}`);
  };
  if (manifest?.format !== SLICE_FORMAT)
    fail(`format is ${JSON.stringify(manifest?.format)}; expected "${SLICE_FORMAT}"`);
  const { height, width, channels, classNames, trainCount, holdOutCount } = manifest;
  for (const [field, v] of Object.entries({ height, width, trainCount, holdOutCount })) {
    if (!Number.isInteger(v) || v < 1) fail(`${field} is ${JSON.stringify(v)}; expected an integer >= 1`);
  }
  if (channels !== 1 && channels !== 3) fail(`channels is ${JSON.stringify(channels)}; expected 1 or 3`);
  if (!Array.isArray(classNames) || classNames.length < 2) fail('classNames must list at least 2 classes');
  const per = height * width * channels;
  const expected = (trainCount + holdOutCount) * (per + 1);
  if (bytes.length !== expected) fail(`${bytes.length} bytes of data; the manifest describes ${expected}`);
  let offset = 0;
  const next = (n: number): Uint8Array => bytes.subarray(offset, (offset += n));
  const train = { images: next(trainCount * per), labels: next(trainCount) };
  const holdOut = { images: next(holdOutCount * per), labels: next(holdOutCount) };
  for (const split of [train, holdOut]) {
    const bad = split.labels.findIndex((y) => y >= classNames.length);
    if (bad >= 0) fail(`label ${split.labels[bad]} is out of range [0, ${classNames.length})`);
  }
  return { height, width, channels, classNames, mean: manifest.mean, std: manifest.std, train, holdOut };
}
