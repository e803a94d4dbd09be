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
import { holdsYuv420, RGB24, slotLayout, writeBlack, type FramePixels, type SlotLayout } from '../shared/frame-pixels.js';
import { FrameChanges } from './frame-changes.js';

/** Bytes after a slot's black bytes (a 4-byte read at the last), rounded so every slot starts on 16. */
const SLOT_TAIL = 16;

let nextRingId = 1;

export { RING_SLOTS };

export class FrameRing implements FrameSlots {
  readonly id = nextRingId++;
  /** What the frames show and how they store it: `pixels` is the one asked for, or RGB24 where 4:2:0 cannot hold the size. */
  readonly format: PictureFormat;
  readonly layout: SlotLayout;
  /** The memory holding every slot, or null where each slot is a SharedArrayBuffer of its own. */
  readonly memory: SharedMemory | null;
  /** This thread's arena in `memory` (inline rendering samples from it); null without one. */
  readonly arena: WasmArena | null;
  readonly slots: Uint8Array[] = [];
  /** Where each delivered frame differs from the one before (frame-changes.ts); null where that cannot be compared here. */
  readonly changes: FrameChanges | null;
  private readonly refs: Int32Array;

  /**
   * `format`: what the frames show (their layout; layouts/index.ts); `pixels`: how the source
   * stores them (frame-pixels.ts). Each slot holds the picture and the black bytes after its
   * planes, which layouts read for rays the picture lacks.
   */
  constructor(
    readonly width: number,
    readonly height: number,
    format: PictureFormat = EQUIRECT_FORMAT,
    pixels: FramePixels = RGB24,
    slotCount: number = RING_SLOTS,
  ) {
    const stored = pixels.kind === 'yuv420p' && !holdsYuv420(width, height) ? RGB24 : pixels;
    this.format = stored === format.pixels ? format : Object.freeze({ ...format, pixels: stored });
    this.layout = slotLayout(stored, width, height);
    const bytes = this.layout.slotBytes;
    const stride = Math.ceil((bytes + SLOT_TAIL) / 16) * 16;
    this.memory = createFrameMemory(stride * slotCount);
    this.arena = this.memory ? new WasmArena(this.memory) : null;
    for (let i = 0; i < slotCount; i++) {
      const slot = this.arena ? this.arena.view(i * stride, bytes) : new Uint8Array(new SharedArrayBuffer(bytes));
      writeBlack(stored, this.layout, slot);
      this.slots.push(slot);
    }
    this.refs = new Int32Array(slotCount);
    this.changes = process.env['ASCII360_TILE_CHANGES'] === '0' ? null : FrameChanges.for(width, height, stored.kind === 'rgb24', this.layout, this.slots, this.arena);
  }

  /**
   * The frame in `slot` goes to its viewers now, after the one delivered before: its sequence
   * number, its changed tiles stamped (frame-changes.ts); 0 where the ring does not compare frames.
   * Call once per frame, in delivery order.
   */
  delivered(slot: number): number {
    return this.changes?.delivered(slot) ?? 0;
  }

  /** A free slot, now referenced once by the caller; -1 when every slot is in use. */
  acquire(): number {
    for (let i = 0; i < this.refs.length; i++) {
      if (this.refs[i] === 0) {
        this.refs[i] = 1;
        this.changes?.overwritten(i);
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
