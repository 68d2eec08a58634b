// Test helpers for code that runs on this backend (exported as 'tfjs-backend-onednn/testing'; needs node:test).
// oneDNN generates its kernels for the best instruction set of the CPU, so a machine with AVX-512 never runs the
// AVX2 kernels that a Zen 2 machine runs (and their faults differ: docs/backend.md). Every parity test file calls
// alsoUnderAvx2() to run itself a second time, in a child process with ONEDNN_MAX_CPU_ISA=AVX2, where the machine
// can do more than AVX2.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { setBackend } from '@tensorflow/tfjs-core';
import { BACKEND_NAME } from './backend.js';
import { addonStatus, native } from './native.js';
import { registerOneDnnBackend } from './register.js';

/**
 * Fails, naming why, unless the native addon loaded: tests and benchmarks of the native backend call it so that a
 * broken build cannot pass on 'cpu' (where the import falls back with only a warning).
 */
export function assertOneDnnLoaded(): void {
  const status = addonStatus();
  assert.ok(status.loaded, `the 'onednn' backend is required here, but ${status.loaded ? '' : status.reason}`);
}

/** Registers 'onednn' and makes it the backend, or fails naming why the addon did not load. */
export async function useOneDnnBackend(): Promise<void> {
  registerOneDnnBackend();
  assertOneDnnLoaded();
  await setBackend(BACKEND_NAME);
}

const AVX2_OR_LESS = new Set(['all', 'sse41', 'avx', 'avx2']);

/** The ISA oneDNN dispatches in this process, and the one the environment asked for (ONEDNN_MAX_CPU_ISA), if any. */
export function isaInUse(): { effective: string; forced: string | undefined } {
  return { effective: native.effectiveIsa(), forced: process.env.ONEDNN_MAX_CPU_ISA };
}

/** The lines of a TAP report that say what failed (the whole report can run to megabytes). */
function failureLines(tap: string): string {
  const lines = tap.split('\n').filter((l) => /not ok|error:|expected|actual|cpu backend gives/.test(l));
  return lines.slice(0, 40).join('\n');
}

/**
 * Adds two tests to the calling file: one naming the ISA this process runs at (and checking that a forced AVX2 took
 * effect), and one running the whole file again under ONEDNN_MAX_CPU_ISA=AVX2 when this process runs above AVX2
 * (skipped, saying why, on an AVX2 machine).
 */
export function alsoUnderAvx2(fileUrl: string): void {
  const { effective, forced } = isaInUse();
  if (forced !== undefined) {
    test(`these tests ran at oneDNN ISA ${effective} (ONEDNN_MAX_CPU_ISA=${forced})`, () => {
      if (forced.toUpperCase() === 'AVX2') assert.equal(effective, 'avx2');
    });
    return;
  }
  const above = !AVX2_OR_LESS.has(effective);
  test(
    `these tests ran at oneDNN ISA ${effective}; and again at avx2 in a child process (ONEDNN_MAX_CPU_ISA=AVX2)`,
    { skip: above ? false : `the machine's own ISA is ${effective}: the run above was the AVX2 run` },
    () => {
      const run = spawnSync(process.execPath, [...process.execArgv, '--test', fileURLToPath(fileUrl)], {
        // Without NODE_TEST_CONTEXT, which would make the child report to this runner instead of printing TAP.
        env: { ...process.env, ONEDNN_MAX_CPU_ISA: 'AVX2', NODE_TEST_CONTEXT: undefined },
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      assert.equal(run.status, 0, `child test run at AVX2 failed:\n${failureLines(run.stdout)}\n${run.stderr}`);
      assert.match(run.stdout, /ran at oneDNN ISA avx2 \(ONEDNN_MAX_CPU_ISA=AVX2\)/);
      assert.match(run.stdout, /# pass [1-9]/);
      assert.match(run.stdout, /# fail 0/);
    },
  );
}
