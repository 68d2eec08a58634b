// Decoding one image file to raw pixels (sharp), shared by image folders and `trickbox predict`: resized to a given
// size, or at the file's own size for a streaming loader whose first transform crops from the original.
import { readFileSync, statSync } from 'node:fs';
import sharp from 'sharp';
import type { Image } from '../augment/image.js';

export interface DecodeOptions {
  height: number;
  width: number;
  channels: 1 | 3;
  /** Largest declared width·height accepted (decompression-bomb guard); default sharp's 268,402,689. */
  limitInputPixels?: number;
}

/** The file's bytes; throws a one-line Error for what cannot be an image file (a directory, a FIFO, empty). */
function readImageBytes(file: string): Buffer {
  const st = statSync(file);
  if (st.isDirectory()) throw new Error('is a directory, not an image file');
  // a FIFO, socket or device would block readFileSync forever (or never end): regular files only
  if (!st.isFile()) throw new Error('not a regular file');
  const buf = readFileSync(file);
  if (buf.length === 0) throw new Error('empty file');
  return buf;
}

/** sharp's decode of `buf`: EXIF orientation applied, then greyscale or sRGB without alpha. */
function orientedPipeline(buf: Buffer, o: Pick<DecodeOptions, 'channels' | 'limitInputPixels'>): sharp.Sharp {
  const img = sharp(buf, { limitInputPixels: o.limitInputPixels ?? 268402689, failOn: 'error' }).rotate(); // EXIF
  return o.channels === 1 ? img.grayscale() : img.removeAlpha().toColourspace('srgb');
}

async function rawPixels(img: sharp.Sharp): Promise<{ data: Buffer; info: sharp.OutputInfo }> {
  try {
    return await img.raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new Error((e as Error).message.split('\n')[0]);
  }
}

/**
 * The pixels of `file` resized to height×width (`fit: 'fill'`), HWC interleaved, greyscale or sRGB. Throws an Error
 * whose message is one line saying why the file is not a usable image (a directory, empty, corrupt, …).
 */
export async function decodeImageFile(file: string, o: DecodeOptions): Promise<Uint8Array> {
  const buf = readImageBytes(file);
  const { data, info } = await rawPixels(orientedPipeline(buf, o).resize(o.width, o.height, { fit: 'fill' }));
  if (info.channels !== o.channels || data.length !== o.height * o.width * o.channels)
    throw new Error(
      `decoded to ${info.width}×${info.height}×${info.channels}, expected ${o.width}×${o.height}×${o.channels}`,
    );
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

/**
 * The pixels of `file` at its own size (after EXIF orientation), greyscale or sRGB: one decode, no resampling, so a
 * random resized crop that follows resamples the original once, as torchvision's ImageFolder pipeline does.
 */
export async function decodeImageFileOriginal(
  file: string,
  o: Pick<DecodeOptions, 'channels' | 'limitInputPixels'>,
): Promise<Image> {
  const { data, info } = await rawPixels(orientedPipeline(readImageBytes(file), o));
  if (info.channels !== o.channels || data.length !== info.height * info.width * o.channels)
    throw new Error(`decoded to ${info.width}×${info.height}×${info.channels}, expected ${o.channels} channels`);
  const pixels = new Uint8Array(data.buffer, data.byteOffset, data.length);
  return { data: pixels, height: info.height, width: info.width, channels: o.channels };
}
