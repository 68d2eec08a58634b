// Small synthetic data files for the data tests (IDX, CIFAR binary, image folders), written into a temp dir.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, crc32 } from 'node:zlib';
import sharp from 'sharp';

export function tempDir(prefix = 'trickbox-data-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** An unsigned-byte IDX file: magic 0x0000080<ndim>, big-endian sizes, then the bytes. */
export function idxBytes(dims: number[], data: Uint8Array, magic = 0x800 | dims.length): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}

/** Pixel value of synthetic image i at byte p: a function of both, so reordering bugs show. */
export const pix = (i: number, p: number): number => (i * 31 + p * 7) % 256;

/** Writes a Fashion-MNIST-style IDX set (train n, t10k m images of h×w) to dir; gzip or raw. */
export function writeIdxSet(dir: string, { n = 20, m = 10, h = 6, w = 5, gzip = true } = {}): void {
  for (const [prefix, count] of [
    ['train', n],
    ['t10k', m],
  ] as const) {
    const img = new Uint8Array(count * h * w);
    for (let i = 0; i < count; i++) for (let p = 0; p < h * w; p++) img[i * h * w + p] = pix(i, p);
    const lbl = Uint8Array.from({ length: count }, (_, i) => i % 10);
    const z = (b: Buffer): Buffer => (gzip ? gzipSync(b) : b);
    const ext = gzip ? '.gz' : '';
    writeFileSync(join(dir, `${prefix}-images-idx3-ubyte${ext}`), z(idxBytes([count, h, w], img)));
    writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte${ext}`), z(idxBytes([count], lbl)));
  }
}

/** CIFAR records: `labelBytes` label bytes then 1024 R, 1024 G, 1024 B. */
export function cifarBytes(n: number, labelBytes: 1 | 2, seed = 0): Buffer {
  const rec = labelBytes + 3072;
  const b = Buffer.alloc(n * rec);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < labelBytes; k++) b[i * rec + k] = (i + seed + k) % 10;
    for (let p = 0; p < 3072; p++) b[i * rec + labelBytes + p] = pix(i + seed, p);
  }
  return b;
}

/** A PNG whose IHDR declares width×height but holds no real pixel data (a decompression-bomb header). */
export function bombPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    sig,
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An image folder with `perClass` solid-colour images per class, in PNG, JPEG and WebP. */
export async function writeImageFolder(dir: string, classes = ['cat', 'dog'], perClass = 3): Promise<void> {
  for (const [ci, c] of classes.entries()) {
    mkdirSync(join(dir, c), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const img = sharp({
        create: { width: 12, height: 10, channels: 3, background: { r: 40 * ci + 10 * i, g: 100, b: 200 } },
      });
      const fmt = (['png', 'jpeg', 'webp'] as const)[i % 3];
      const buf = await img.toFormat(fmt).toBuffer();
      writeFileSync(join(dir, c, `img${i}.${fmt === 'jpeg' ? 'jpg' : fmt}`), buf);
    }
  }
}
