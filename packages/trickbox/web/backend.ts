// Chooses the TensorFlow.js backend of a page: webgl on a real GPU, else wasm, else cpu; `?backend=NAME` forces one.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmConv2DBackpropFilter } from '../src/browser/index.js';

/** WebGL drawn by the CPU (SwiftShader, Mesa's llvmpipe): the training page ran 16 img/s there, 109-301 on wasm (docs/cli.md). */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software/i;

/** The WebGL renderer's name, or undefined without WebGL. */
function webglRenderer(): string | undefined {
  const canvas = document.createElement('canvas');
  const gl = canvas.getContext('webgl2') ?? canvas.getContext('webgl');
  if (!gl) return undefined;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return name;
}

export interface BackendChoice {
  name: string;
  /** Why the others were passed over, for the page's status line. */
  note: string;
}

export async function pickBackend(): Promise<BackendChoice> {
  setWasmPaths('vendor/');
  registerWasmConv2DBackpropFilter();
  const forced = new URLSearchParams(location.search).get('backend');
  const renderer = webglRenderer();
  const software = renderer !== undefined && SOFTWARE_RENDERER.test(renderer);
  const candidates = forced ? [forced] : software || !renderer ? ['wasm', 'cpu'] : ['webgl', 'wasm', 'cpu'];
  for (const name of candidates) {
    if (await tf.setBackend(name).catch(() => false)) {
      const note = forced
        ? 'forced by ?backend='
        : software
          ? `WebGL is software-rendered here (${renderer}), so not used`
          : renderer
            ? ''
            : 'no WebGL in this browser';
      return { name, note };
    }
  }
  throw new Error(`none of the TensorFlow.js backends ${candidates.join(', ')} could start in this browser`);
}
