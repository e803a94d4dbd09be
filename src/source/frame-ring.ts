/**
 * Decoded frames live in a small ring of SharedArrayBuffer slots: the source writes a
 * slot once, every worker reads it in place, and no viewer ever causes a copy (issue: decode once).
 * A slot is reusable when its reference count is back to zero.
 */
import { EQUIRECT_FORMAT, type PictureFormat } from '../projection/layouts/index.js';
import { RING_SLOTS } from '../shared/capacities.js';
import type { FrameSlots } from '../shared/types.js';

let nextRingId = 1;

export { RING_SLOTS };

export class FrameRing implements FrameSlots {
  readonly id = nextRingId++;
  readonly slotBytes: number;
  readonly buffers: SharedArrayBuffer[] = [];
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
    for (let i = 0; i < slotCount; i++) {
      const sab = new SharedArrayBuffer(this.slotBytes + 3);
      this.buffers.push(sab);
      this.slots.push(new Uint8Array(sab));
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
