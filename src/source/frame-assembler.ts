/**
 * Cuts a raw frame stream (RGB24, or 4:2:0 planes back to back) into frames inside the shared
 * ring, each plane at its place in the slot (frame-pixels.ts). Bytes either land in place
 * (`target` + `advance`: the socket reads straight into the slot, no copy) or are copied from
 * chunks (`consume`, the fallback). A complete frame is handed on at once; when every slot is busy
 * the frame's bytes are discarded and counted, so latency stays bounded.
 */
import type { FrameRing } from './frame-ring.js';

/** Where bytes of a frame that has no slot go; any size works, this keeps reads large. */
const DISCARD_BYTES = 256 * 1024;

export class FrameAssembler {
  private slot = -1;
  /** Bytes of the current frame received, and of them in its current plane. */
  private filled = 0;
  private plane = 0;
  private inPlane = 0;
  private skipping = false;
  private discard: Uint8Array | null = null;
  /** The run is over: bytes still arriving are discarded, never given a slot. */
  private closed = false;
  /** Frames completed since the last reset. */
  produced = 0;
  /** Frames whose bytes were discarded because every slot was busy. */
  discarded = 0;

  constructor(
    private readonly ring: FrameRing,
    /** Called with a retained slot and the frame's number in this run. */
    private readonly onFrame: (slot: number, k: number) => void,
  ) {}

  private ensureSlot(): void {
    if (this.slot >= 0 || this.skipping) return;
    if (this.closed) {
      this.skipping = true;
      return;
    }
    this.slot = this.ring.acquire();
    if (this.slot < 0) {
      this.skipping = true;
      this.discarded++;
    }
  }

  /** The memory the next read should fill: the rest of the current plane of the frame. */
  target(): Uint8Array {
    this.ensureSlot();
    const [start, length] = this.ring.layout.planes[this.plane]!;
    if (this.skipping) {
      this.discard ??= new Uint8Array(DISCARD_BYTES);
      const left = this.ring.layout.pictureBytes - this.filled;
      return left < DISCARD_BYTES ? this.discard.subarray(0, left) : this.discard;
    }
    // Up to the plane's end: the black bytes after it (frame-ring.ts) are never written.
    return this.ring.slots[this.slot]!.subarray(start + this.inPlane, start + length);
  }

  /** `n` bytes were written into the last `target()`. */
  advance(n: number): void {
    this.filled += n;
    if (this.filled === this.ring.layout.pictureBytes) {
      this.plane = 0;
      this.inPlane = 0;
      this.complete();
      return;
    }
    // Planes in the order ffmpeg writes them; a skipped frame's bytes count through them too.
    const planes = this.ring.layout.planes;
    this.inPlane += n;
    while (this.inPlane >= planes[this.plane]![1]) {
      this.inPlane -= planes[this.plane]![1];
      this.plane++;
    }
  }

  /** Copies a chunk (fallback path, when reading in place is not possible). */
  consume(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      const into = this.target();
      const take = Math.min(into.length, chunk.length - offset);
      into.set(chunk.subarray(offset, offset + take));
      offset += take;
      this.advance(take);
    }
  }

  private complete(): void {
    this.filled = 0;
    const k = this.produced++;
    if (this.skipping) {
      this.skipping = false;
      return;
    }
    const slot = this.slot;
    this.slot = -1;
    this.onFrame(slot, k);
  }

  /**
   * Ends the run: a half-filled slot goes back, and no slot is taken after. The socket may still ask
   * for somewhere to read into after it was destroyed from inside a frame's callback (a single-frame
   * run stops there); a slot taken then had no owner left to release it, and every paused seek lost
   * one until none was left and the picture froze for good.
   */
  close(): void {
    this.closed = true;
    if (this.slot >= 0) this.ring.release(this.slot);
    this.slot = -1;
    this.filled = 0;
    this.plane = 0;
    this.inPlane = 0;
    this.skipping = false;
  }
}
