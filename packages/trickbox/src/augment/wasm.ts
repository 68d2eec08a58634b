// The WebAssembly kernels of augment (native-wasm/*.c, built by scripts/build-wasm.sh into kernels_wasm.ts): compiled
// once, synchronously (the module is a few KB), in Node, worker threads and browsers alike; undefined where
// WebAssembly (or its SIMD128 extension) is missing, and the ops then run their TypeScript loops.
import { KERNELS_WASM_BASE64 } from './kernels_wasm.js';

/** The part of the WebAssembly JS API used here (this package compiles without the DOM library's types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (d: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

type Kernel = (...args: number[]) => void;
export interface WasmKernels {
  rowsFirst: Kernel;
  rowsFinal: Kernel;
  colsFirst: Kernel;
  colsFinal: Kernel;
  lutMap: Kernel;
  invertMask: Kernel;
  histogram: Kernel;
  channelRange: Kernel;
  warpNearest: Kernel;
  hflip: Kernel;
  /** Returns the sum of the gray levels. */
  gray: (...args: number[]) => number;
  blend: Kernel;
  sharpenBlur: Kernel;
}

let memory: WasmMemory | undefined;

const compiled: WasmKernels | undefined = (() => {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!api) return undefined;
  try {
    const bytes = Uint8Array.from(atob(KERNELS_WASM_BASE64), (c) => c.charCodeAt(0));
    const mem = new api.Memory({ initial: 16 });
    const e = new api.Instance(new api.Module(bytes), { env: { memory: mem } }).exports as Record<
      string,
      (...args: number[]) => number
    >;
    memory = mem;
    return {
      rowsFirst: e.rows_first!,
      rowsFinal: e.rows_final!,
      colsFirst: e.cols_first!,
      colsFinal: e.cols_final!,
      lutMap: e.lut_map!,
      invertMask: e.invert_mask!,
      histogram: e.histogram!,
      channelRange: e.channel_range!,
      warpNearest: e.warp_nearest!,
      hflip: e.hflip!,
      gray: e.gray!,
      blend: e.blend!,
      sharpenBlur: e.sharpen_blur!,
    };
  } catch {
    return undefined;
  }
})();

let enabled = true;

/** The kernels; undefined where WebAssembly is missing or after `useWasmKernels(false)`. */
export function wasmKernels(): WasmKernels | undefined {
  return enabled ? compiled : undefined;
}

/** Whether this JavaScript engine runs the kernels (WebAssembly with SIMD128, and a synchronous compile allowed). */
export function wasmKernelsAvailable(): boolean {
  return compiled !== undefined;
}

/**
 * Turns the WebAssembly kernels off (`false`) or back on: the ops then run their TypeScript loops, with the same
 * results. For comparisons and tests.
 */
export function useWasmKernels(on: boolean): void {
  enabled = on;
}

// Buffers start above the module's stack (the first 64 KB of linear memory, plus its static data).
const BASE = 2 << 16;
// Bytes left free after every buffer: the vector loops read and write up to 16 bytes past their buffers.
const SLACK = 16;

/**
 * Byte offsets of consecutive buffers of the given sizes (16-byte aligned, SLACK bytes apart) in the kernels' linear
 * memory, grown when needed, and views of that memory. Every call reuses the same region: a kernel call's buffers
 * live until the next.
 */
export function wasmLayout(sizes: readonly number[]): {
  at: number[];
  heap: Uint8Array;
  i32: Int32Array;
  f32: Float32Array;
} {
  const at: number[] = [];
  let end = BASE;
  for (const s of sizes) {
    at.push(end);
    end += (s + SLACK + 15) & ~15;
  }
  const pages = Math.ceil(end / 65536) - memory!.buffer.byteLength / 65536;
  if (pages > 0) memory!.grow(pages);
  const buffer = memory!.buffer;
  return { at, heap: new Uint8Array(buffer), i32: new Int32Array(buffer), f32: new Float32Array(buffer) };
}
