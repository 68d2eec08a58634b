import assert from 'node:assert/strict';
import { test } from 'node:test';
import { native } from '../src/native.js';

// native/fma_peak.cc: the FMA loop bench/backend.ts divides by. Values are machine-dependent; what is checked is that
// every variant the CPU lists runs and gives a plausible rate, 'auto' takes the widest, and bad arguments are refused.
test('fmaPeak runs every variant the CPU has and refuses bad arguments', () => {
  const variants = native.fmaVariants();
  assert.ok(variants.includes('avx2') || variants.length === 0, `variants: ${variants.join(', ')}`);
  for (const variant of variants) {
    const r = native.fmaPeak(1, variant, 1);
    assert.equal(r.variant, variant);
    assert.equal(r.threads, 1);
    // Any AVX2 core does tens of GFLOP/s; a loop the compiler dropped would report an absurd rate.
    assert.ok(r.flops > 2e9 && r.flops < 1e12, `${variant}: ${r.flops} FLOP/s`);
  }
  if (variants.length) assert.equal(native.fmaPeak(1).variant, variants.includes('avx512') ? 'avx512' : 'avx2');
  assert.throws(() => native.fmaPeak(0), /fmaPeak: threads must be an integer in \[1, 1024\], got 0/);
  assert.throws(() => native.fmaPeak(1, 'sse' as 'avx2'), /variant must be 'auto', 'avx2' or 'avx512', got 'sse'/);
  assert.throws(() => native.fmaPeak(1, 'auto', 0), /repeats must be an integer in \[1, 100\], got 0/);
});
