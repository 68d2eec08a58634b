// Where the native addon can come from, in the order the loader tries them: the file named by TFJS_ONEDNN_ADDON
// (alone, when set), the prebuilt platform package (addon + oneDNN, nothing to compile), the source build.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Environment variable naming an addon file to load instead of searching (e.g. to prefer the source build). */
export const ADDON_ENV = 'TFJS_ONEDNN_ADDON';

/** The optional platform packages holding a prebuilt addon, by `${process.platform}-${process.arch}` (glibc). */
export const PREBUILT_PACKAGES: Readonly<Record<string, string>> = {
  'linux-x64': 'tfjs-backend-onednn-linux-x64-gnu',
};

export const ADDON_FILE = 'onednn_addon.node';

export type AddonOrigin = 'environment' | 'prebuilt' | 'source';

/** A place to load the addon from, or why that place has none. */
export type AddonCandidate = { origin: AddonOrigin; file: string } | { origin: AddonOrigin; missing: string };

/** The package's root folder: the one holding binding.gyp (dist/src/ when compiled, src/ under tsx). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'binding.gyp'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('tfjs-backend-onednn: package root (binding.gyp) not found');
    dir = parent;
  }
  return dir;
}

/** The prebuilt package's name for this platform, if one is published for it. */
export function prebuiltPackageName(platform = process.platform, arch = process.arch): string | undefined {
  return PREBUILT_PACKAGES[`${platform}-${arch}`];
}

function prebuiltCandidate(): AddonCandidate {
  const name = prebuiltPackageName();
  if (!name) return { origin: 'prebuilt', missing: `no prebuilt addon for ${process.platform}-${process.arch}` };
  try {
    return { origin: 'prebuilt', file: createRequire(import.meta.url).resolve(`${name}/${ADDON_FILE}`) };
  } catch {
    // A development checkout links the platform package as a workspace without its (generated) binaries.
    return { origin: 'prebuilt', missing: `${name} is not installed (or holds no ${ADDON_FILE})` };
  }
}

function sourceCandidate(): AddonCandidate {
  const file = join(packageRoot(), 'build', 'Release', ADDON_FILE);
  return existsSync(file) ? { origin: 'source', file } : { origin: 'source', missing: `no source build (${file})` };
}

/** The places to try, best first. */
export function addonCandidates(env: NodeJS.ProcessEnv = process.env): AddonCandidate[] {
  const chosen = env[ADDON_ENV];
  if (chosen) {
    return [
      existsSync(chosen)
        ? { origin: 'environment', file: chosen }
        : { origin: 'environment', missing: `${ADDON_ENV}=${chosen} does not exist` },
    ];
  }
  return [prebuiltCandidate(), sourceCandidate()];
}

/** What to install so that an addon loads, for this platform; one sentence. */
export function installHint(): string {
  const prebuilt = prebuiltPackageName();
  const source =
    'build it from source (Debian/Ubuntu: `sudo apt-get install -y libdnnl-dev g++ make python3`; ' +
    'macOS: `brew install onednn libomp`), then `npm rebuild tfjs-backend-onednn`';
  return prebuilt
    ? `Install the prebuilt addon (\`npm install ${prebuilt}\`, glibc) or ${source}.`
    : `To use it, ${source}.`;
}
