import type { FramePayload } from '../shared/frame-payload.js';

/**
 * A rendered frame payload shared by every viewer whose view matches, reference-counted so its
 * buffer goes back to the pool (and so to a worker) only after the last socket write completes.
 */
export class PayloadPool {
  private readonly free = new Map<number, ArrayBuffer[]>();

  /** Spare buffers kept per size: enough for the in-flight sends of a few views of that size. */
  constructor(private readonly perSize = 16) {}

  take(bytes: number): ArrayBuffer | null {
    return this.free.get(bytes)?.pop() ?? null;
  }

  give(buffer: ArrayBuffer): void {
    if (buffer.byteLength === 0) return; // detached: it was transferred elsewhere
    let list = this.free.get(buffer.byteLength);
    if (!list) {
      list = [];
      this.free.set(buffer.byteLength, list);
    }
    if (list.length < this.perSize) list.push(buffer);
  }

  /** Forget every spare buffer (after a working-size or grid change the sizes are stale). */
  clear(): void {
    this.free.clear();
  }
}

export class SharedPayload implements FramePayload {
  /** The bytes to send: a view onto `buffer`, no copy. */
  readonly bytes: Buffer;
  private refs = 1;

  constructor(
    readonly key: string,
    private readonly buffer: ArrayBuffer,
    length: number,
    readonly kind: FramePayload['kind'],
    private readonly pool: PayloadPool,
    readonly id = 0,
    readonly base = -1,
    readonly keyframe: SharedPayload | null = null,
    readonly coarse = false,
  ) {
    this.bytes = Buffer.from(buffer, 0, length);
  }

  retain(): this {
    this.refs++;
    return this;
  }

  release(): void {
    if (--this.refs === 0) this.pool.give(this.buffer);
  }
}
