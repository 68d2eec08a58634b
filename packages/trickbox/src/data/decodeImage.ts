// Decoding one image file to raw pixels of a given size (sharp), shared by image folders and `trickbox predict`.
import { readFileSync, statSync } from 'node:fs';
import sharp from 'sharp';

export interface DecodeOptions {
  height: number;
  width: number;
  channels: 1 | 3;
  /** Largest declared width·height accepted (decompression-bomb guard); default sharp's 268,402,689. */
  limitInputPixels?: number;
}

/**
 * The pixels of `file` resized to height×width (`fit: 'fill'`), HWC interleaved, greyscale or sRGB. Throws an Error
 * whose message is one line saying why the file is not a usable image (a directory, empty, corrupt, …).
 */
export async function decodeImageFile(file: string, o: DecodeOptions): Promise<Uint8Array> {
  const st = statSync(file);
  if (st.isDirectory()) throw new Error('is a directory, not an image file');
  // a FIFO, socket or device would block readFileSync forever (or never end): regular files only
  if (!st.isFile()) throw new Error('not a regular file');
  const buf = readFileSync(file);
  if (buf.length === 0) throw new Error('empty file');
  let img = sharp(buf, { limitInputPixels: o.limitInputPixels ?? 268402689, failOn: 'error' }).rotate(); // EXIF
  img = o.channels === 1 ? img.grayscale() : img.removeAlpha().toColourspace('srgb');
  let out: { data: Buffer; info: sharp.OutputInfo };
  try {
    out = await img.resize(o.width, o.height, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new Error((e as Error).message.split('\n')[0]);
  }
  const { data, info } = out;
  if (info.channels !== o.channels || data.length !== o.height * o.width * o.channels)
    throw new Error(
      `decoded to ${info.width}×${info.height}×${info.channels}, expected ${o.width}×${o.height}×${o.channels}`,
    );
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}
