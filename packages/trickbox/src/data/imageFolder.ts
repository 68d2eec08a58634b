// A folder of images, one sub-folder per class (the torchvision ImageFolder layout), decoded and resized by sharp.
import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative, isAbsolute } from 'node:path';
import { decodeImageFile } from './decodeImage.js';
import type { Dataset } from './dataset.js';
import { dataArgError } from './dataset.js';
import { DataFileError } from './idx.js';

export interface ImageFolderOptions {
  dir: string;
  /** Output size; every image is resized to it (`fit: 'fill'`, as torchvision's Resize((h, w))). Default 32×32. */
  height?: number;
  width?: number;
  /** 1 (greyscale) or 3 (sRGB). Default 3. */
  channels?: 1 | 3;
  /** Skip undecodable files (each logged through `log`) instead of stopping with an error naming the file. */
  skipBadImages?: boolean;
  /** Largest declared width·height accepted by the decoder (decompression-bomb guard); default sharp's 268,402,689. */
  limitInputPixels?: number;
  /** Images decoded at once (sharp runs them on libuv's thread pool). Default 4. */
  concurrency?: number;
  log?: (message: string) => void;
}

/** Bad files named in full in one error; the rest are counted. */
const LISTED_BAD_FILES = 10;

/** One error naming every undecodable file (up to LISTED_BAD_FILES, then a count), in file order. */
function badImagesError(dir: string, bad: { file: string; reason: string }[]): DataFileError {
  const sorted = [...bad].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const listed = sorted.slice(0, LISTED_BAD_FILES).map((b) => `${b.file} (${b.reason})`);
  const more = sorted.length > LISTED_BAD_FILES ? ` and ${sorted.length - LISTED_BAD_FILES} more` : '';
  const what = sorted.length === 1 ? 'image' : `${sorted.length} images`;
  return new DataFileError(
    dir,
    `cannot decode ${what}: ${listed.join('; ')}${more}; use skipBadImages / --skip-bad-images to skip such files`,
  );
}

export { decodeImageFile, type DecodeOptions } from './decodeImage.js';

/** True when `child` is `root` or inside it (both real paths). */
function inside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The files of `dir/<class>/<image>` with their labels; classes are the sorted sub-folder names (see imageFolder). */
export function listImageFolder(
  dir: string,
  log: (message: string) => void,
): { classNames: string[]; files: { path: string; label: number }[] } {
  let root: string;
  try {
    root = realpathSync(dir);
    if (!statSync(root).isDirectory()) throw new Error('not a directory');
  } catch (e) {
    throw new DataFileError(
      dir,
      `cannot open image folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  /** Resolves an entry; returns undefined (and logs) for a link leading out of the folder. */
  const resolveEntry = (path: string): { real: string; isDir: boolean } | undefined => {
    const st = lstatSync(path);
    if (!st.isSymbolicLink()) return { real: path, isDir: st.isDirectory() };
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      log(`imageFolder: skipping ${path}: dangling symbolic link`);
      return undefined;
    }
    if (!inside(root, real)) {
      log(`imageFolder: skipping ${path}: symbolic link leads out of ${dir} (not followed)`);
      return undefined;
    }
    return { real, isDir: statSync(real).isDirectory() };
  };
  const classNames: string[] = [];
  const files: { path: string; label: number }[] = [];
  for (const name of readdirSync(root).sort()) {
    if (name.startsWith('.')) continue;
    const entry = resolveEntry(join(root, name));
    if (!entry?.isDir) continue;
    const label = classNames.length;
    classNames.push(name);
    for (const f of readdirSync(entry.real).sort()) {
      if (f.startsWith('.')) continue;
      const fe = resolveEntry(join(entry.real, f));
      if (!fe || fe.isDir) continue;
      files.push({ path: join(root, name, f), label });
    }
  }
  if (classNames.length === 0)
    throw new DataFileError(dir, 'no class sub-folders found (expected dir/<class>/<image>)');
  return { classNames, files };
}

/**
 * Loads `dir/<class>/<image>`; classes are the sub-folder names in sorted order. Hidden entries are ignored.
 * Symbolic links are followed only when their target stays inside `dir`; others are skipped and logged.
 */
export async function imageFolder(opts: ImageFolderOptions): Promise<Dataset> {
  const o = imageFolderDefaults(opts);
  const { height, width, channels } = o;
  const { classNames, files } = listImageFolder(o.dir, o.log);
  const per = height * width * channels;
  const decoded = await eachImageFile(
    files.map((f) => f.path),
    o,
    (file) => decodeImageFile(file, o),
  );
  const kept = decoded.flatMap((d, i) => (d ? [i] : []));
  if (kept.length === 0) throw new DataFileError(o.dir, 'no decodable images found');
  const images = new Uint8Array(kept.length * per);
  const labels = new Int32Array(kept.length);
  kept.forEach((i, k) => {
    images.set(decoded[i] as Uint8Array, k * per);
    labels[k] = files[i].label;
  });
  return { images, labels, height, width, channels, classNames };
}

/** The options with their defaults, checked. */
export function imageFolderDefaults(opts: ImageFolderOptions): Required<ImageFolderOptions> {
  const o: Required<ImageFolderOptions> = {
    dir: opts.dir,
    height: opts.height ?? 32,
    width: opts.width ?? 32,
    channels: opts.channels ?? 3,
    skipBadImages: opts.skipBadImages ?? false,
    limitInputPixels: opts.limitInputPixels ?? 268402689,
    concurrency: opts.concurrency ?? 4,
    log: opts.log ?? ((m: string) => console.warn(m)),
  };
  if (!Number.isInteger(o.height) || o.height < 1)
    throw dataArgError('imageFolder', 'height', 'an integer >= 1', o.height);
  if (!Number.isInteger(o.width) || o.width < 1) throw dataArgError('imageFolder', 'width', 'an integer >= 1', o.width);
  if (o.channels !== 1 && o.channels !== 3) throw dataArgError('imageFolder', 'channels', '1 or 3', o.channels);
  return o;
}

/**
 * Runs `read` on every file, `concurrency` at a time; a file it throws on is a bad file: an error naming it, or with
 * `skipBadImages` a logged skip (undefined in the result).
 */
export async function eachImageFile<T>(
  files: readonly string[],
  o: Pick<Required<ImageFolderOptions>, 'dir' | 'skipBadImages' | 'concurrency' | 'log'>,
  read: (file: string) => Promise<T>,
): Promise<(T | undefined)[]> {
  const out: (T | undefined)[] = new Array(files.length);
  const bad: { file: string; reason: string }[] = [];
  const one = async (i: number): Promise<void> => {
    const file = files[i];
    try {
      out[i] = await read(file);
    } catch (e) {
      const reason = (e as Error).message.split('\n')[0];
      bad.push({ file, reason });
      if (o.skipBadImages) o.log(`imageFolder: skipping ${file}: ${reason}`);
    }
  };
  let next = 0;
  const workers = Array.from({ length: Math.max(1, o.concurrency) }, async () => {
    while (next < files.length) await one(next++);
  });
  await Promise.all(workers);
  // every file is checked first, so one run names all the bad ones
  if (bad.length > 0 && !o.skipBadImages) throw badImagesError(o.dir, bad);
  return out;
}
