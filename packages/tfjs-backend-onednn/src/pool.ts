/**
 * Recycles the Float32Array outputs of native kernels. A training step allocates the same few hundred buffers every
 * time; without reuse, V8's garbage collector spent more time than the kernels (measured in the prototype: 630 ms of
 * GC per ResNet-20 step).
 *
 * Safety rules: a buffer goes back to the free list only when every tensor that referenced it is gone, and never once
 * it has escaped to user code (an array handed out by `dataSync()`/`data()`, or one a view was taken from), since the
 * holder could still read it.
 */
export class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  /** Live references (tensor data ids) per pooled buffer; escaped buffers are removed from this map for good. */
  private readonly owners = new Map<ArrayBuffer, number>();
  private freeBytes = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly maxFreeBytes = 1 << 30) {}

  /** A Float32Array of `size` elements, contents undefined (the kernel writes every element). */
  acquire(size: number): Float32Array {
    const list = this.free.get(size);
    const reused = list?.pop();
    let array: Float32Array;
    if (reused) {
      this.hits++;
      this.freeBytes -= reused.byteLength;
      array = reused;
    } else {
      this.misses++;
      array = new Float32Array(size);
    }
    this.owners.set(array.buffer as ArrayBuffer, 0);
    return array;
  }

  /** A tensor now references `values`; a view onto a pooled buffer pins that buffer. */
  retain(values: unknown): void {
    if (!(values instanceof Float32Array)) return;
    const buffer = values.buffer as ArrayBuffer;
    const count = this.owners.get(buffer);
    if (count === undefined) return;
    if (values.byteOffset !== 0 || values.byteLength !== buffer.byteLength) {
      this.owners.delete(buffer);
      return;
    }
    this.owners.set(buffer, count + 1);
  }

  /** Never recycle this array's buffer (user code holds it). */
  escape(values: unknown): void {
    if (ArrayBuffer.isView(values)) this.owners.delete(values.buffer as ArrayBuffer);
  }

  /** A tensor referencing `values` was disposed. */
  release(values: unknown): void {
    if (!(values instanceof Float32Array)) return;
    const buffer = values.buffer as ArrayBuffer;
    const count = this.owners.get(buffer);
    if (count === undefined) return;
    if (count > 1) {
      this.owners.set(buffer, count - 1);
      return;
    }
    this.owners.delete(buffer);
    if (this.freeBytes + values.byteLength > this.maxFreeBytes) return;
    let list = this.free.get(values.length);
    if (!list) this.free.set(values.length, (list = []));
    list.push(values);
    this.freeBytes += values.byteLength;
  }

  /** True while the buffer of `values` is pooled and referenced by exactly one tensor (safe to update in place). */
  isExclusive(values: Float32Array): boolean {
    return this.owners.get(values.buffer as ArrayBuffer) === 1;
  }

  stats(): { freeBytes: number; freeBuffers: number; hits: number; misses: number } {
    let freeBuffers = 0;
    for (const list of this.free.values()) freeBuffers += list.length;
    return { freeBytes: this.freeBytes, freeBuffers, hits: this.hits, misses: this.misses };
  }

  clear(): void {
    this.free.clear();
    this.freeBytes = 0;
  }
}
