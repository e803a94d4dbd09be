/**
 * The decoded frames and what samples them in one shared WebAssembly memory, so WebAssembly can
 * read the frames in place (projection/sample-cells-simd.ts): a module reads only its own memory,
 * and copying a 4K frame into each worker's would cost more than sampling it.
 *
 * The frame ring takes the start of the memory (source/frame-ring.ts). Each thread that samples
 * from it (a worker, or the main thread rendering inline) has an arena: it claims space at the end
 * by growing the memory, which is atomic for a shared memory, so no thread hands out another's
 * bytes. In that space live the thread's sampling tables and sample buffers, allocated when a view
 * changes and freed when its renderer goes. A shared memory never shrinks: what an arena claimed
 * stays claimed until the ring is replaced (the working size changes) and the old memory is
 * collected; freed blocks are reused first, so the claim stays at the peak of what its views held.
 * A worker that dies leaves its claim behind in the same way; its replacement claims anew.
 */

import { wasmApi, type SharedMemory } from './wasm-api.js';

export type { SharedMemory };

const PAGE = 65536;
/** Blocks start on 16 bytes (v128 loads, Uint32Array views) and end with 16 spare bytes: a 4-byte read at a block's last byte stays inside it. */
const ALIGN = 16;
const TAIL = 16;
/** Space an arena claims at a time: most views' tables and samples fit in a few of these. */
const CLAIM_BYTES = 16 << 20;
/** What the arenas of one memory may claim beyond its frames, in all: past it, views sample in JS. */
const ARENA_LIMIT_BYTES = 2 * 2 ** 30;
/** A shared memory's size limit (4 GiB: wasm32 addresses). */
export const MAX_PAGES = 65536;

/**
 * A shared memory of at least `bytes` for a frame ring, able to grow by ARENA_LIMIT_BYTES for the
 * arenas; null where the runtime has no shared WebAssembly memory (the ring then uses plain
 * SharedArrayBuffers and every view samples in JS).
 */
export function createFrameMemory(bytes: number): SharedMemory | null {
  const wasm = wasmApi;
  if (!wasm) return null;
  const initial = Math.ceil((bytes + TAIL) / PAGE);
  const maximum = Math.min(MAX_PAGES, initial + ARENA_LIMIT_BYTES / PAGE);
  if (initial > maximum) return null;
  try {
    return new wasm.Memory({ initial, maximum, shared: true });
  } catch {
    return null;
  }
}

interface FreeBlock {
  at: number;
  bytes: number;
}

/** One thread's allocations in a frame memory: first fit over freed blocks, then the claimed tail, then a new claim. */
export class WasmArena {
  /** Every SharedArrayBuffer object this thread got from the memory: views over any of them address the memory from byte 0. */
  private readonly buffers = new WeakSet<SharedArrayBuffer>();
  private buffer: SharedArrayBuffer;
  /** Freed blocks by address, neighbours merged. */
  private readonly free: FreeBlock[] = [];
  /** The unused rest of the last claim. */
  private tail = 0;
  private tailEnd = 0;
  /** Bytes claimed from the memory, and allocated now. */
  claimed = 0;
  allocated = 0;
  private readonly sizes = new Map<number, number>();

  constructor(readonly memory: SharedMemory) {
    this.buffer = memory.buffer;
    this.buffers.add(this.buffer);
  }

  /** Whether `view` lies in this memory: its byteOffset is then its address there. */
  owns(view: ArrayBufferView): boolean {
    return this.buffers.has(view.buffer as SharedArrayBuffer);
  }

  /** A view of `length` bytes at `at` (memory someone else placed there, such as a frame slot) that this arena recognises. */
  view(at: number, length: number): Uint8Array {
    return new Uint8Array(this.current(), at, length);
  }

  /** `bytes` bytes, 16-byte aligned; null when the memory cannot grow that far (the caller then uses a plain array). */
  bytes(bytes: number): Uint8Array | null {
    const at = this.alloc(bytes);
    return at < 0 ? null : new Uint8Array(this.current(), at, bytes);
  }

  /** `length` 32-bit integers, or null as `bytes`. */
  int32(length: number): Int32Array | null {
    const at = this.alloc(length * 4);
    return at < 0 ? null : new Int32Array(this.current(), at, length);
  }

  /** Returns a view this arena handed out (any view over it starting at its first byte). */
  release(view: ArrayBufferView): void {
    const at = view.byteOffset;
    const size = this.sizes.get(at);
    if (size === undefined || !this.owns(view)) return;
    this.sizes.delete(at);
    this.allocated -= size;
    const free = this.free;
    let i = 0;
    while (i < free.length && free[i]!.at < at) i++;
    free.splice(i, 0, { at, bytes: size });
    // Merge with the next block, then with the previous one.
    if (i + 1 < free.length && at + size === free[i + 1]!.at) {
      free[i]!.bytes += free[i + 1]!.bytes;
      free.splice(i + 1, 1);
    }
    if (i > 0 && free[i - 1]!.at + free[i - 1]!.bytes === at) {
      free[i - 1]!.bytes += free[i]!.bytes;
      free.splice(i, 1);
    }
  }

  private alloc(bytes: number): number {
    const size = Math.ceil((Math.max(1, bytes) + TAIL) / ALIGN) * ALIGN;
    let at = -1;
    const free = this.free;
    for (let i = 0; i < free.length; i++) {
      const b = free[i]!;
      if (b.bytes < size) continue;
      at = b.at;
      if (b.bytes === size) free.splice(i, 1);
      else {
        b.at += size;
        b.bytes -= size;
      }
      break;
    }
    if (at < 0) {
      if (this.tailEnd - this.tail < size && !this.claim(size)) return -1;
      at = this.tail;
      this.tail += size;
    }
    this.sizes.set(at, size);
    this.allocated += size;
    return at;
  }

  /** Grows the memory by a claim of at least `size` bytes; false when it cannot. */
  private claim(size: number): boolean {
    const pages = Math.ceil(Math.max(size, CLAIM_BYTES) / PAGE);
    let start: number;
    try {
      start = this.memory.grow(pages) * PAGE;
    } catch {
      return false;
    }
    // The rest of the old claim is not lost: it becomes a free block.
    if (this.tailEnd > this.tail) {
      const last = this.free[this.free.length - 1];
      if (last && last.at + last.bytes === this.tail) last.bytes += this.tailEnd - this.tail;
      else this.free.push({ at: this.tail, bytes: this.tailEnd - this.tail });
    }
    this.tail = start;
    this.tailEnd = start + pages * PAGE;
    this.claimed += pages * PAGE;
    return true;
  }

  /** The memory's buffer now (a grown shared memory hands out a new, longer SharedArrayBuffer object over the same bytes). */
  private current(): SharedArrayBuffer {
    const b = this.memory.buffer;
    if (b !== this.buffer) {
      this.buffer = b;
      this.buffers.add(b);
    }
    return b;
  }
}

/**
 * A buffer kept in a thread's arena when there is one (else a plain array), allocated again only
 * when it must grow or the arena changes (a new frame ring), its old block returned.
 */
export class ArenaBuffer {
  /** The arena asked last, and the one holding `store` (null when it had no room: a plain array). */
  private asked: WasmArena | null = null;
  private arena: WasmArena | null = null;
  private store: Uint8Array = new Uint8Array(0);

  /** The first `length` bytes, in `arena` where it has room. */
  bytes(length: number, arena: WasmArena | null): Uint8Array {
    if (this.store.length < length || this.asked !== arena) {
      this.release();
      const placed = arena?.bytes(length) ?? null;
      this.store = placed ?? new Uint8Array(length);
      this.arena = placed ? arena : null;
      this.asked = arena;
    }
    return this.store.length === length ? this.store : this.store.subarray(0, length);
  }

  /** The first `length` 32-bit integers, as `bytes`. */
  int32(length: number, arena: WasmArena | null): Int32Array {
    const b = this.bytes(length * 4, arena);
    return new Int32Array(b.buffer, b.byteOffset, length);
  }

  /** Bytes held. */
  get byteLength(): number {
    return this.store.byteLength;
  }

  /** Returns the block to its arena (the buffer is empty after). */
  release(): void {
    this.arena?.release(this.store);
    this.arena = null;
    this.asked = null;
    this.store = new Uint8Array(0);
  }
}
