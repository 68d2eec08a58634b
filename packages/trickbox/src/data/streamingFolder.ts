// Image folders too large to decode into memory: the files are listed (and checked) once, and each image is decoded
// by sharp when a batch needs it, in the loader's workers, every epoch. Decoding is the same as `imageFolder`'s
// (`decodeImageFile`), and the per-sample seeds the same, so the batches equal the in-memory loader's.
import { totalmem } from 'node:os';
import sharp from 'sharp';
import type { Image } from '../augment/image.js';
import { dataArgError, type Dataset } from './dataset.js';
import { DataFileError } from './idx.js';
import {
  decodeImageFile,
  eachImageFile,
  imageFolder,
  imageFolderDefaults,
  listImageFolder,
  type ImageFolderOptions,
} from './imageFolder.js';

/** A dataset whose images stay on disk: `files[i]` has label `labels[i]` and decodes to height×width×channels. */
export interface FileDataset {
  kind: 'files';
  files: string[];
  labels: Int32Array;
  height: number;
  width: number;
  channels: 1 | 3;
  classNames: string[];
  limitInputPixels: number;
  /** Bytes the loader's pixel buffers may take (see `streamingMemoryBound`); it sets the default prefetch depth. */
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
  const { streaming = 'auto', memoryBudget = defaultMemoryBudget(), validate = 'header', ...folder } = opts;
  if (streaming !== true && streaming !== false && streaming !== 'auto')
    throw dataArgError('openImageFolder', 'streaming', "true, false or 'auto'", streaming);
  if (!(memoryBudget > 0)) throw dataArgError('openImageFolder', 'memoryBudget', 'a number of bytes > 0', memoryBudget);
  if (validate !== 'header' && validate !== 'decode')
    throw dataArgError('openImageFolder', 'validate', "'header' or 'decode'", validate);
  const o = imageFolderDefaults(folder);
  const { height, width, channels, limitInputPixels } = o;
  const { classNames, files } = listImageFolder(o.dir, o.log);
  const stream =
    streaming === true || (streaming === 'auto' && decodedBytes(files.length, height, width, channels) > memoryBudget);
  if (!stream) return imageFolder(folder);
  const check = (file: string): Promise<unknown> =>
    validate === 'decode' ? decodeImageFile(file, o) : checkHeader(file, limitInputPixels);
  const checked = await eachImageFile(
    files.map((f) => f.path),
    o,
    async (file) => {
      await check(file);
      return true;
    },
  );
  const kept = files.filter((_, i) => checked[i]);
  if (kept.length === 0) throw new DataFileError(o.dir, 'no decodable images found');
  // libvips' operation cache (50 MB by default) only holds images no later batch reads again.
  sharp.cache(false);
  return {
    memoryBudget,
    kind: 'files',
    files: kept.map((f) => f.path),
    labels: Int32Array.from(kept, (f) => f.label),
    height,
    width,
    channels,
    classNames,
    limitInputPixels,
  };
}

/** sharp's header read: the checks of `decodeImageFile` that need no pixel data. */
async function checkHeader(file: string, limitInputPixels: number): Promise<void> {
  const meta = await sharp(file, { limitInputPixels }).metadata();
  if (!meta.width || !meta.height) throw new Error('no image dimensions in the header');
  if (meta.width * meta.height > limitInputPixels)
    throw new Error(`${meta.width}×${meta.height} exceeds limitInputPixels ${limitInputPixels}`);
}

/** The batch's images, decoded one after the other (one decode in flight per loader worker). */
export async function decodeBatch(
  ds: Pick<FileDataset, 'files' | 'height' | 'width' | 'channels' | 'limitInputPixels'>,
  indices: ArrayLike<number>,
): Promise<Image[]> {
  const { height, width, channels, limitInputPixels } = ds;
  const out: Image[] = [];
  for (let b = 0; b < indices.length; b++) {
    const file = ds.files[indices[b]!]!;
    let data: Uint8Array;
    try {
      data = await decodeImageFile(file, { height, width, channels, limitInputPixels });
    } catch (e) {
      throw new DataFileError(file, `cannot decode image (${(e as Error).message.split('\n')[0]}) while streaming`);
    }
    out.push({ data, height, width, channels });
  }
  return out;
}

/**
 * Upper bound of the pixel memory of a streaming loader, in bytes: the normalised float32 batches queued
 * (`prefetch`, plus the one being consumed) and, in each worker (or the main thread), one batch of decoded uint8
 * images and its float32 output being filled. Augmentation scratch and sharp's own buffers (a few MB) come on top.
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
  const decoded = o.batchSize * o.height * o.width * o.channels;
  const batch = o.batchSize * (o.outHeight ?? o.height) * (o.outWidth ?? o.width) * o.channels * 4;
  return (o.prefetch + 1) * batch + Math.max(1, o.workers) * (decoded + batch);
}

/**
 * The prefetch depth of a streaming loader: the loader's default (2 per worker, at least 2) reduced until
 * `streamingMemoryBound` fits the dataset's memory budget, but at least 1.
 */
export function streamingPrefetch(
  ds: FileDataset,
  o: { batchSize: number; workers: number; outHeight: number; outWidth: number },
): number {
  const shape = { ...o, height: ds.height, width: ds.width, channels: ds.channels };
  let prefetch = Math.max(2, 2 * o.workers);
  while (prefetch > 1 && streamingMemoryBound({ ...shape, prefetch }) > ds.memoryBudget) prefetch--;
  return prefetch;
}
