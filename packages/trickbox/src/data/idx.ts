// Fashion-MNIST / MNIST from IDX files (LeCun's format: big-endian magic 0x0000 0x08 ndim, then ndim uint32 sizes).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Dataset, DatasetSplits } from './dataset.js';

/** Debian/Ubuntu's `dataset-fashion-mnist` package installs the four gzip IDX files here. */
export const DEFAULT_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Class names in label order, from the Fashion-MNIST README (Xiao et al. 2017). */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** Error about a data file: always names the file. */
export class DataFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'DataFileError';
  }
}

/** Reads a file, gunzipping it when it starts with the gzip magic 1f 8b. */
export function readMaybeGzip(file: string): Buffer {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new DataFileError(file, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      return gunzipSync(buf);
    } catch (e) {
      throw new DataFileError(file, `corrupt gzip data (${(e as Error).message})`);
    }
  }
  return buf;
}

/** Parses an unsigned-byte IDX file with `ndim` dimensions; returns the sizes and the payload. */
export function parseIdx(file: string, buf: Buffer, ndim: number): { dims: number[]; data: Uint8Array } {
  if (buf.length < 4 + 4 * ndim)
    throw new DataFileError(file, `truncated IDX header: ${buf.length} bytes, expected at least ${4 + 4 * ndim}`);
  const magic = buf.readUInt32BE(0);
  const expected = 0x00000800 | ndim; // type 0x08 = unsigned byte
  if (magic !== expected)
    throw new DataFileError(
      file,
      `bad IDX magic 0x${magic.toString(16).padStart(8, '0')}, expected 0x${expected.toString(16).padStart(8, '0')} ` +
        `(unsigned bytes, ${ndim} dimension${ndim > 1 ? 's' : ''})`,
    );
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(buf.readUInt32BE(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  const header = 4 + 4 * ndim;
  if (buf.length !== header + size)
    throw new DataFileError(
      file,
      `${buf.length < header + size ? 'truncated' : 'trailing bytes'}: header says ${dims.join('×')} = ${size} ` +
        `bytes of data, file holds ${buf.length - header}`,
    );
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + header, size) };
}

/** Finds `<base>` or `<base>.gz` in dir. */
function findFile(dir: string, base: string): string {
  for (const name of [`${base}.gz`, base]) if (existsSync(join(dir, name))) return join(dir, name);
  throw new DataFileError(
    join(dir, `${base}.gz`),
    `not found (nor ${base}); expected the Fashion-MNIST IDX files in ${dir}` +
      (dir === DEFAULT_FASHION_MNIST_DIR ? ' — install it with `apt-get install dataset-fashion-mnist`' : ''),
  );
}

/** One split of an IDX dataset: `<prefix>-images-idx3-ubyte[.gz]` and `<prefix>-labels-idx1-ubyte[.gz]`. */
export function loadIdxPair(dir: string, prefix: string, classNames: string[]): Dataset {
  const imgFile = findFile(dir, `${prefix}-images-idx3-ubyte`);
  const lblFile = findFile(dir, `${prefix}-labels-idx1-ubyte`);
  const img = parseIdx(imgFile, readMaybeGzip(imgFile), 3);
  const lbl = parseIdx(lblFile, readMaybeGzip(lblFile), 1);
  const [n, h, w] = img.dims;
  if (lbl.dims[0] !== n) throw new DataFileError(lblFile, `${lbl.dims[0]} labels but ${imgFile} holds ${n} images`);
  if (h < 1 || w < 1) throw new DataFileError(imgFile, `image size ${h}×${w} is empty`);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = lbl.data[i];
    if (y >= classNames.length)
      throw new DataFileError(lblFile, `label ${y} at index ${i} is out of range [0, ${classNames.length})`);
    labels[i] = y;
  }
  return { images: new Uint8Array(img.data), labels, height: h, width: w, channels: 1, classNames: [...classNames] };
}

/** Fashion-MNIST (60,000 train + 10,000 test, 28×28 grey) from IDX files, gzip or raw. */
export function fashionMnist({ dir = DEFAULT_FASHION_MNIST_DIR }: { dir?: string } = {}): DatasetSplits {
  return {
    train: loadIdxPair(dir, 'train', FASHION_MNIST_CLASSES),
    test: loadIdxPair(dir, 't10k', FASHION_MNIST_CLASSES),
  };
}
