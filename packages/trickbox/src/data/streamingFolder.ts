// Image folders too large to decode into memory: the files are listed (and checked) once, and each image is decoded
// by sharp when a batch needs it, in the loader's workers, every epoch. Decoding is the same as `imageFolder`'s
// (`decodeImageFile`), and the per-sample seeds the same, so the batches equal the in-memory loader's.
import { totalmem } from 'node:os';
import sharp from 'sharp';
import type { Image } from '../augment/image.js';
import { dataArgError, type Dataset } from './dataset.js';
import { decodeImageFileOriginal } from './decodeImage.js';
import { DataFileError } from './idx.js';
import { augmentSample, BatchWriter, type SampleTransform } from './transforms.js';
import {
  decodeImageFile,
  eachImageFile,
  imageFolder,
  imageFolderDefaults,
  listImageFolder,
  type ImageFolderOptions,
} from './imageFolder.js';

/**
 * A dataset whose images stay on disk: `files[i]` has label `labels[i]` and decodes to height×width×channels, or,
 * without `resizeOnDecode`, to its own size, at most height×width (the largest found when the folder was opened).
 */
export interface FileDataset {
  kind: 'files';
  files: string[];
  labels: Int32Array;
  height: number;
  width: number;
  /** true: every image resized to height×width as it is decoded (the in-memory loader's pixels); false: own size. */
  resizeOnDecode: boolean;
  channels: 1 | 3;
  classNames: string[];
  limitInputPixels: number;
  /**
   * Bytes the loader may add to the process's RSS: `streamingRuntimeReserve` plus the pixel buffers
   * (`streamingMemoryBound`); it sets the default prefetch depth.
   */
  memoryBudget: number;
}

export interface OpenImageFolderOptions extends ImageFolderOptions {
  /**
   * `true`: decode per batch from disk (a `FileDataset`); `false`: decode everything now (`imageFolder`'s `Dataset`);
   * `'auto'` (default): stream when the decoded set, N·height·width·channels bytes, would exceed `memoryBudget`.
   */
  streaming?: boolean | 'auto';
  /** Bytes the decoded images may take in memory before 'auto' streams. Default min(2 GiB, a quarter of the RAM). */
  memoryBudget?: number;
  /**
   * What is checked when streaming starts: 'header' (default; sharp reads each file's header: missing, empty,
   * non-regular and non-image files are found now) or 'decode' (each file decoded once and dropped: exactly the
   * files the in-memory loader keeps, so also truncated or corrupt image data). A file that passes 'header' but
   * fails to decode later stops the epoch with an error naming it.
   */
  validate?: 'header' | 'decode';
  /**
   * true (default): each image is resized to height×width as it is decoded, the pixels the in-memory loader holds,
   * so a streamed epoch equals an in-memory one. false (streaming only): each image is decoded at its own size and
   * the first transform (a random resized crop) resamples the original once, as torchvision's ImageFolder pipeline
   * does; the batches then differ from the in-memory loader's, and the pipeline must end at a fixed size.
   */
  resizeOnDecode?: boolean;
}

export function defaultMemoryBudget(): number {
  return Math.min(2 ** 31, Math.floor(totalmem() / 4));
}

/** Bytes of a folder decoded into memory (what `imageFolder` allocates for the pixels). */
export function decodedBytes(count: number, height: number, width: number, channels: number): number {
  return count * height * width * channels;
}

export function isFileDataset(ds: Dataset | FileDataset): ds is FileDataset {
  return (ds as FileDataset).kind === 'files';
}

/**
 * An image folder in memory or streamed from disk (see `streaming`); the result goes to `DataLoader` either way.
 * Bad files follow `skipBadImages` as in `imageFolder`: named in an error, or skipped and logged.
 */
export async function openImageFolder(opts: OpenImageFolderOptions): Promise<Dataset | FileDataset> {
  const {
    streaming = 'auto',
    memoryBudget = defaultMemoryBudget(),
    validate = 'header',
    resizeOnDecode = true,
    ...folder
  } = opts;
  if (streaming !== true && streaming !== false && streaming !== 'auto')
    throw dataArgError('openImageFolder', 'streaming', "true, false or 'auto'", streaming);
  if (!(memoryBudget > 0)) throw dataArgError('openImageFolder', 'memoryBudget', 'a number of bytes > 0', memoryBudget);
  if (validate !== 'header' && validate !== 'decode')
    throw dataArgError('openImageFolder', 'validate', "'header' or 'decode'", validate);
  if (resizeOnDecode !== true && resizeOnDecode !== false)
    throw dataArgError('openImageFolder', 'resizeOnDecode', 'true or false', resizeOnDecode);
  if (!resizeOnDecode && streaming === false)
    throw dataArgError(
      'openImageFolder',
      'resizeOnDecode',
      'true when streaming is false (in memory, every image has the size height×width)',
      resizeOnDecode,
    );
  const o = imageFolderDefaults(folder);
  const { height, width, channels, limitInputPixels } = o;
  const { classNames, files } = listImageFolder(o.dir, o.log);
  const stream =
    streaming === true ||
    !resizeOnDecode ||
    (streaming === 'auto' && decodedBytes(files.length, height, width, channels) > memoryBudget);
  if (!stream) return imageFolder(folder);
  /** The checked file's decoded height and width. */
  const check = async (file: string): Promise<[number, number]> => {
    if (validate === 'header') return checkHeader(file, limitInputPixels);
    if (resizeOnDecode) return decodeImageFile(file, o).then(() => [height, width]);
    return decodeImageFileOriginal(file, o).then((img) => [img.height, img.width]);
  };
  const checked = await eachImageFile(
    files.map((f) => f.path),
    o,
    check,
  );
  const kept = files.filter((_, i) => checked[i]);
  if (kept.length === 0) throw new DataFileError(o.dir, 'no decodable images found');
  const sizes = checked.filter((c) => c !== undefined);
  // libvips' operation cache (50 MB by default) only holds images no later batch reads again.
  sharp.cache(false);
  return {
    memoryBudget,
    kind: 'files',
    files: kept.map((f) => f.path),
    labels: Int32Array.from(kept, (f) => f.label),
    height: resizeOnDecode ? height : Math.max(...sizes.map((s) => s[0])),
    width: resizeOnDecode ? width : Math.max(...sizes.map((s) => s[1])),
    resizeOnDecode,
    channels,
    classNames,
    limitInputPixels,
  };
}

/** sharp's header read: the checks of `decodeImageFile` that need no pixel data; the oriented height and width. */
async function checkHeader(file: string, limitInputPixels: number): Promise<[number, number]> {
  const meta = await sharp(file, { limitInputPixels }).metadata();
  if (!meta.width || !meta.height) throw new Error('no image dimensions in the header');
  if (meta.width * meta.height > limitInputPixels)
    throw new Error(`${meta.width}×${meta.height} exceeds limitInputPixels ${limitInputPixels}`);
  // EXIF orientations 5–8 turn the image by a quarter, so the decoded height is the stored width
  return (meta.orientation ?? 1) >= 5 ? [meta.width, meta.height] : [meta.height, meta.width];
}

/** One image of a streaming dataset, decoded as the dataset says (resized, or at its own size). */
export async function decodeStreamed(
  ds: Pick<FileDataset, 'files' | 'height' | 'width' | 'channels' | 'limitInputPixels' | 'resizeOnDecode'>,
  index: number,
): Promise<Image> {
  const { height, width, channels, limitInputPixels } = ds;
  const file = ds.files[index]!;
  try {
    if (!ds.resizeOnDecode) return await decodeImageFileOriginal(file, { channels, limitInputPixels });
    const data = await decodeImageFile(file, { height, width, channels, limitInputPixels });
    return { data, height, width, channels };
  } catch (e) {
    throw new DataFileError(file, `cannot decode image (${(e as Error).message.split('\n')[0]}) while streaming`);
  }
}

/**
 * A streamed batch: each image decoded, augmented and normalised into the batch before the next is decoded, so a
 * worker holds one decoded image at a time besides the batch (one decode in flight per loader worker).
 */
export async function streamBatch(
  ds: Pick<FileDataset, 'files' | 'height' | 'width' | 'channels' | 'limitInputPixels' | 'resizeOnDecode'>,
  indices: ArrayLike<number>,
  epoch: number,
  seed: number,
  transform: SampleTransform | undefined,
  mean: readonly number[],
  std: readonly number[],
): Promise<{ x: Float32Array; height: number; width: number }> {
  const writer = new BatchWriter(indices.length, ds.channels, mean, std);
  for (let b = 0; b < indices.length; b++) {
    const j = indices[b]!;
    writer.write(b, augmentSample(await decodeStreamed(ds, j), transform, seed, epoch, j));
  }
  return writer.result(ds.height, ds.width);
}

/**
 * Upper bound of the pixel memory of a streaming loader, in bytes: the normalised float32 batches alive at once
 * (the `prefetch` requested, queued or being filled in a worker, plus the one the consumer holds) and, in each
 * worker (or the main thread), the one decoded uint8 image (at most height×width) and its augmented copy.
 * Augmentation scratch and sharp's own buffers (a few MB) come on top.
 */
export function streamingMemoryBound(o: {
  batchSize: number;
  workers: number;
  prefetch: number;
  height: number;
  width: number;
  channels: number;
  /** Size after augmentation (e.g. a random resized crop); default height×width. */
  outHeight?: number;
  outWidth?: number;
}): number {
  const decoded = o.height * o.width * o.channels;
  const augmented = (o.outHeight ?? o.height) * (o.outWidth ?? o.width) * o.channels;
  const batch = o.batchSize * augmented * 4;
  return (o.prefetch + 1) * batch + Math.max(1, o.workers) * (decoded + augmented);
}

/**
 * Bytes a streaming loader's process grows by besides its pixel buffers: sharp's and libvips' runtime and thread
 * buffers, and per worker thread its V8 isolate, its young generation and its malloc arena. Measured on Node 20,
 * sharp 0.34.5 (glibc): up to 93 MiB with no worker (the main thread's uncollected batches included), and up to
 * 64 MiB more per worker (docs/image-folders.md, "Memory").
 */
export function streamingRuntimeReserve(workers: number): number {
  return (96 + 64 * workers) * 2 ** 20;
}

/**
 * The prefetch depth of a streaming loader: the loader's default (2 per worker, at least 2) reduced until the
 * runtime reserve plus `streamingMemoryBound` fits the dataset's memory budget, but never below one batch per
 * worker (fewer would leave workers idle), so a budget below that bound is exceeded (and `prefetchDepth` says so).
 */
export function streamingPrefetch(
  ds: FileDataset,
  o: { batchSize: number; workers: number; outHeight: number; outWidth: number },
): number {
  const shape = { ...o, height: ds.height, width: ds.width, channels: ds.channels };
  const room = ds.memoryBudget - streamingRuntimeReserve(o.workers);
  const least = Math.max(1, o.workers);
  let prefetch = Math.max(2, 2 * o.workers);
  while (prefetch > least && streamingMemoryBound({ ...shape, prefetch }) > room) prefetch--;
  return prefetch;
}
