// Where a run came from: versions, backend, threads, CPU and its instruction set, Node, and the git commit of the
// trickbox sources when they are a checkout. Stored in summary.json; studies refuse to mix trials of different kinds.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERSION } from '../version.js';

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

/** HEAD of the git checkout the trickbox sources run from, or undefined outside one. */
export function gitHead(): string | undefined {
  const r = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: here, encoding: 'utf8', timeout: 5000 });
  const sha = r.status === 0 ? r.stdout.trim() : '';
  return /^[0-9a-f]{40}$/.test(sha) ? sha : undefined;
}

export async function provenance(): Promise<Provenance> {
  const backend = tf.getBackend();
  const out: Provenance = {
    trickbox: VERSION,
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
  const sha = gitHead();
  if (sha) out.gitCommit = sha;
  return out;
}
