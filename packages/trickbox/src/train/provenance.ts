// Where a run came from: versions, backend, threads, CPU and its instruction set, Node, and the git commit of the
// trickbox sources when they are a checkout. Stored in summary.json; studies refuse to mix trials of different kinds.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Provenance {
  trickbox: string;
  tfjs: string;
  backend: string;
  threads?: number;
  /** oneDNN's instruction set (`dnnl_get_effective_cpu_isa`) on the onednn backend. */
  isa?: string;
  cpu: string;
  node: string;
  gitCommit?: string;
}

const here = dirname(fileURLToPath(import.meta.url));

function packageVersion(): string {
  for (const up of ['../..', '../../..']) {
    try {
      const pkg = JSON.parse(readFileSync(join(here, up, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'trickbox' && pkg.version) return pkg.version;
    } catch {
      /* try the next level: dist/src/train or src/train */
    }
  }
  return 'unknown';
}

function gitCommit(): string | undefined {
  const r = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: here, encoding: 'utf8', timeout: 5000 });
  const sha = r.status === 0 ? r.stdout.trim() : '';
  return /^[0-9a-f]{40}$/.test(sha) ? sha : undefined;
}

export async function provenance(): Promise<Provenance> {
  const backend = tf.getBackend();
  const out: Provenance = {
    trickbox: packageVersion(),
    tfjs: tf.version.tfjs,
    backend,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
  };
  if (backend === 'onednn') {
    const { native } = await import('tfjs-backend-onednn');
    out.threads = native.getNumThreads();
    out.isa = native.effectiveIsa();
  }
  const sha = gitCommit();
  if (sha) out.gitCommit = sha;
  return out;
}
