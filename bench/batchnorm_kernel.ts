// Time of the native batch-norm training kernels alone (tfjs-backend-onednn's bnTrainForward / bnTrainBackward, ReLU
// on) on one [rows, channels] shape, with the data in cache (one set of buffers) and from DRAM (16 sets, ~300 MB),
// with the ReLU read from y or from the bit mask; and, for scale, a plain copy of one tensor on one thread.
//   node --import tsx bench/batchnorm_kernel.ts [--shape 100352x16] [--calls 100]
// Rows x channels: 100352x16 is a 128x28x28x16 activation (ResNet-20's first stage on Fashion-MNIST).
import { parseArgs } from 'node:util';
import { native } from '../packages/tfjs-backend-onednn/src/native.js';
import { median } from './stats.js';

const { values } = parseArgs({
  options: { shape: { type: 'string', default: '100352x16' }, calls: { type: 'string', default: '100' } },
});
const [m, c] = values.shape!.split('x').map(Number);
const calls = Number(values.calls);
const mb = (m * c * 4) / 1e6;

for (const sets of [1, 16]) {
  const random = () => Float32Array.from({ length: m * c }, () => Math.random() - 0.5);
  const xs = Array.from({ length: sets }, random);
  const ys = Array.from({ length: sets }, () => new Float32Array(m * c));
  const dxs = Array.from({ length: sets }, () => new Float32Array(m * c));
  const masks = Array.from({ length: sets }, () => new Float32Array(Math.ceil((m * c) / 32)));
  const gamma = new Float32Array(c).fill(1);
  const [beta, mean, invstd, dgamma, dbeta] = [0, 1, 2, 3, 4].map(() => new Float32Array(c));
  for (const useMask of [false, true]) {
    const forward: number[] = [];
    const backward: number[] = [];
    for (let i = 0; i < calls; i++) {
      const k = i % sets;
      const mask = useMask ? masks[k] : null;
      let t0 = performance.now();
      native.bnTrainForward(
        xs[k],
        gamma,
        beta,
        null,
        ys[k],
        mean,
        invstd,
        m,
        c,
        1e-5,
        true,
        null,
        null,
        null,
        null,
        0.1,
        mask,
      );
      forward.push(performance.now() - t0);
      const dy = xs[(k + 1) % sets];
      t0 = performance.now();
      native.bnTrainBackward(
        dy,
        xs[k],
        useMask ? null : ys[k],
        gamma,
        mean,
        invstd,
        dxs[k],
        dgamma,
        dbeta,
        null,
        m,
        c,
        mask,
      );
      backward.push(performance.now() - t0);
    }
    const f = median(forward);
    const b = median(backward);
    console.log(
      `[${m}, ${c}] ${sets === 1 ? 'in cache ' : 'from DRAM'} ReLU from ${useMask ? 'mask' : 'y   '}: ` +
        `forward ${f.toFixed(3)} ms (${((3 * mb) / f).toFixed(0)} GB/s of x, x, y), ` +
        `backward ${b.toFixed(3)} ms (${(((useMask ? 5 : 7) * mb) / b).toFixed(0)} GB/s of tensor passes)`,
    );
  }
}

for (const sets of [1, 16]) {
  const from = Array.from({ length: sets }, () => new Float32Array(m * c).fill(1));
  const to = Array.from({ length: sets }, () => new Float32Array(m * c));
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    to[i % sets].set(from[i % sets]);
    times.push(performance.now() - t0);
  }
  const t = median(times);
  console.log(
    `copy of one tensor, one thread, ${sets === 1 ? 'in cache ' : 'from DRAM'}: ${t.toFixed(3)} ms (${((2 * mb) / t).toFixed(0)} GB/s)`,
  );
}
