/**
 * Decoded frames live in a small ring of shared slots: the source writes a slot once, every worker
 * reads it in place, and no viewer ever causes a copy (issue: decode once). A slot is reusable when
 * its reference count is back to zero.
 *
 * The slots lie in one shared WebAssembly memory (shared/wasm-arena.ts) where the runtime has one,
 * so the SIMD sampler reads them where ffmpeg's bytes landed; each slot ends with spare bytes for
 * its 4-byte reads. Without it, each slot is a SharedArrayBuffer of its own.
 */
import { EQUIRECT_FORMAT, type PictureFormat } from '../projection/layouts/index.js';
import { RING_SLOTS } from '../shared/capacities.js';
import type { FrameSlots } from '../shared/types.js';
import { createFrameMemory, WasmArena, type SharedMemory } from '../shared/wasm-arena.js';

/** Bytes after a slot's black pixel (a 4-byte read at it), rounded so every slot starts on 16. */
const SLOT_TAIL = 16;

let nextRingId = 1;

export { RING_SLOTS };

export class FrameRing implements FrameSlots {
  readonly id = nextRingId++;
  readonly slotBytes: number;
  /** The memory holding every slot, or null where each slot is a SharedArrayBuffer of its own. */
  readonly memory: SharedMemory | null;
  /** This thread's arena in `memory` (inline rendering samples from it); null without one. */
  readonly arena: WasmArena | null;
  readonly slots: Uint8Array[] = [];
  private readonly refs: Int32Array;

  /**
   * `format`: what the frames show (their layout; layouts/index.ts). Each slot holds the picture
   * (`slotBytes`) and one black pixel after it, which layouts read for rays the picture lacks.
   */
  constructor(
    readonly width: number,
    readonly height: number,
    readonly format: PictureFormat = EQUIRECT_FORMAT,
    slotCount: number = RING_SLOTS,
  ) {
    this.slotBytes = width * height * 3;
    const stride = Math.ceil((this.slotBytes + 3 + SLOT_TAIL) / 16) * 16;
    this.memory = createFrameMemory(stride * slotCount);
    this.arena = this.memory ? new WasmArena(this.memory) : null;
    for (let i = 0; i < slotCount; i++) {
      this.slots.push(this.arena ? this.arena.view(i * stride, this.slotBytes + 3) : new Uint8Array(new SharedArrayBuffer(this.slotBytes + 3)));
    }
    this.refs = new Int32Array(slotCount);
  }

  /** A free slot, now referenced once by the caller; -1 when every slot is in use. */
  acquire(): number {
    for (let i = 0; i < this.refs.length; i++) {
      if (this.refs[i] === 0) {
        this.refs[i] = 1;
        return i;
      }
    }
    return -1;
  }

  retain(slot: number): void {
    this.refs[slot]!++;
  }

  release(slot: number): void {
    if (this.refs[slot]! <= 0) throw new Error(`frame slot ${slot} released more often than retained`);
    this.refs[slot]!--;
  }

  inUse(): number {
    let n = 0;
    for (let i = 0; i < this.refs.length; i++) if (this.refs[i]! > 0) n++;
    return n;
  }
}
