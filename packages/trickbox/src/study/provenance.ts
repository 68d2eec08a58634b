// What a trial ran on: the commit of the code, the instruction set oneDNN generated its kernels for, the backend
// and the thread count. Trials of one study must agree on all of them (docs/studies.md, "Provenance").
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gitHead, provenance } from '../train/provenance.js';

export interface Provenance {
  commit: string;
  isa: string;
  backend: string;
  threads: number;
}

let commit: string | undefined;

/** HEAD of the checkout this code runs from ('+dirty' when tracked files differ), or 'unknown' outside git. */
export function codeCommit(): string {
  if (commit !== undefined) return commit;
  const head = gitHead();
  if (!head) return (commit = 'unknown');
  const status = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], {
    cwd: dirname(fileURLToPath(import.meta.url)),
    encoding: 'utf8',
  });
  commit = status.status === 0 && status.stdout.trim() ? `${head}+dirty` : head;
  return commit;
}

/** The provenance of this process (call after the backend is initialised): train/provenance.ts's, with +dirty. */
export async function currentProvenance(): Promise<Provenance> {
  const p = await provenance();
  // off onednn nothing runs native kernels: the cpu backend is single-threaded JavaScript whatever the pool holds
  return {
    commit: codeCommit(),
    isa: p.isa ?? `none (${p.backend} backend)`,
    backend: p.backend,
    threads: p.threads ?? 1,
  };
}

/** The fields two trials of one study must share, as one line for messages. */
export const provenanceKey = (p: Provenance): string =>
  `commit ${p.commit}, ISA ${p.isa}, backend ${p.backend}, ${p.threads} thread${p.threads === 1 ? '' : 's'}`;
