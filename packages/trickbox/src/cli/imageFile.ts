// Output files whose format the extension names: a raster image (PNG, JPEG, WebP) encoded with sharp from a PNG
// or an SVG, so `--out grid.jpg` holds JPEG bytes and `--plot lr.png` PNG bytes.
import { extname } from 'node:path';
import sharp from 'sharp';

const RASTER = { '.png': 'png', '.jpg': 'jpeg', '.jpeg': 'jpeg', '.webp': 'webp' } as const;
export type RasterFormat = (typeof RASTER)[keyof typeof RASTER];
export const RASTER_EXTENSIONS = Object.keys(RASTER);

/** The raster format `file`'s extension names (case-insensitive), or undefined. */
export function rasterFormatOf(file: string): RasterFormat | undefined {
  return (RASTER as Record<string, RasterFormat>)[extname(file).toLowerCase()];
}

/** Encodes a PNG or SVG image as `format`; an SVG is drawn at 2× its size on white. */
export async function encodeRaster(image: Uint8Array | string, format: RasterFormat): Promise<Buffer> {
  const svg = typeof image === 'string';
  const img = sharp(svg ? Buffer.from(image) : image, svg ? { density: 144 } : {}).flatten({ background: '#ffffff' });
  return img.toFormat(format).toBuffer();
}
