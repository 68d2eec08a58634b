// Loads the torchvision fixtures made by scripts/fixtures/augment.py.
import { readFileSync } from 'node:fs';
import { fixturePath } from '../helpers/paths.js';
import type { Image } from '../../src/augment/index.js';

export interface OpCase {
  op: string;
  image: string;
  arg: number | number[] | null;
  fill?: number[];
  out: string;
}
export interface OpsFixture {
  torchvision: string;
  images: { name: string; height: number; width: number; channels: 1 | 3; data: string }[];
  cases: OpCase[];
  autoAugment: {
    policy: string;
    image: string;
    params: { policy: number; probs: [number, number]; signs: [number, number] };
    out: string;
  }[];
  bins: Record<string, Record<string, number | number[]>>;
  policies: Record<string, [string, number, number | null][][]>;
}

export const fixture: OpsFixture = JSON.parse(readFileSync(fixturePath('augment', 'ops.json'), 'utf8'));

export function decode(b64: string): Uint8Array {
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

export const images: Map<string, Image> = new Map(
  fixture.images.map((i) => [i.name, { data: decode(i.data), height: i.height, width: i.width, channels: i.channels }]),
);
