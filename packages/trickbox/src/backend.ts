// Loads the native 'onednn' backend (it makes itself the default). Without a usable addon the backend package warns
// once and registers nothing, and every command still works on tfjs's 'cpu' (slowly); this file warns only when the
// package itself cannot be imported. Used by the CLI and by the study's trial processes.
import * as tf from '@tensorflow/tfjs';

export async function initBackend(warn: (m: string) => void = (m) => console.error(m)): Promise<string> {
  const wanted = process.env.TRICKBOX_BACKEND;
  if (wanted !== 'cpu') {
    try {
      await import('tfjs-backend-onednn');
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0];
      warn(`trickbox: warning: native backend unavailable (${msg}); using the slow 'cpu' backend`);
    }
  }
  if (wanted) await tf.setBackend(wanted);
  else if (!tf.findBackend('onednn') || !(await tf.setBackend('onednn').catch(() => false))) await tf.setBackend('cpu');
  await tf.ready();
  return tf.getBackend();
}
