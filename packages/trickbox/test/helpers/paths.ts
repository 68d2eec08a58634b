import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the `trickbox` package, found from this file whether it runs from `test/` (tsx) or `dist/test/`. */
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('trickbox package root not found');
    dir = parent;
  }
  return dir;
}

export const packageRoot = findPackageRoot();
/** Committed fixtures (made by the scripts in `scripts/fixtures/`), e.g. `fixturePath('augment', 'ops.json')`. */
export const fixturePath = (...parts: string[]): string => join(packageRoot, 'test', 'fixtures', ...parts);
/** True when the long end-to-end variants should run (`npm run test:long`). */
export const longTests = process.env.TRICKBOX_LONG_TESTS === '1';
