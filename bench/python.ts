// The Python that runs the PyTorch/torchvision peers of the benchmarks: Debian's, where python3-torch and
// python3-torchvision install (not whichever python3 comes first on PATH).
import { spawnSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';

/** Undefined when `PYTHON -c 'import <modules>'` works; otherwise why not (the last line it printed). */
export function pythonCannotImport(modules: string): string | undefined {
  const check = spawnSync(PYTHON, ['-c', `import ${modules}`], { encoding: 'utf8' });
  if (check.status === 0) return undefined;
  const why = check.error?.message ?? (check.stderr || '').trim().split('\n').pop();
  // setup.sh leaves the peers out (the tests need no Python): say how to get them
  return `${PYTHON} -c 'import ${modules}' failed: ${why} (as root: apt-get install -y python3-torch python3-torchvision)`;
}
