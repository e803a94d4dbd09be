/**
 * Per-viewer outgoing frames. A backed-up socket (in-flight writes not yet flushed, or bufferedAmount
 * past HIGH_WATER_BYTES) makes new frames wait in a queue of PENDING_CAPACITY that drops its oldest:
 * a slow or stalled viewer loses frames, never slows the others, never grows the server's memory.
 * Control texts (INIT, STATUS:, Error:) are never dropped and keep their order relative to frames.
 *
 * A coded DELTA (PROTOCOL-NOTES.md §3.7) patches the frame before it, so it cannot push that frame
 * out: when it would, the session queues the DELTA's keyframe instead, or drops both.
 */
import type { WebSocket } from 'ws';
import { DropOldestQueue } from '../shared/bounded-queue.js';
import type { FramePayload } from '../shared/frame-payload.js';

/** Frames handed to the socket whose write has not completed. */
export const MAX_IN_FLIGHT = 2;
/** Frames waiting for the socket; the oldest goes first when a newer one arrives. */
export const PENDING_CAPACITY = 1;
/** Above this many queued bytes in ws and the socket, nothing more is handed over. */
export const HIGH_WATER_BYTES = 2 << 20;
/**
 * Control texts are never dropped, so a viewer that reads nothing while it draws `Error:` answers
 * (bad messages at the rate limit) would grow them without end. Past this many queued bytes (frames
 * alone stay under HIGH_WATER_BYTES plus the MAX_IN_FLIGHT frames handed over, a few MB at the
 * largest grid) it is cut.
 */
export const TEXT_HIGH_WATER_BYTES = 8 << 20;

export class SendQueue {
  private readonly pending = new DropOldestQueue<FramePayload>(PENDING_CAPACITY, (p) => p.release());
  private inFlight = 0;
  /** Frames dropped other than by the queue's own overflow: DELTAs with the frame they patch, frames a control text discarded. */
  private droppedBeside = 0;
  sent = 0;
  bytesSent = 0;
  /** Cut for reading nothing while its control texts piled up (TEXT_HIGH_WATER_BYTES). */
  overflowed = false;

  constructor(private readonly ws: WebSocket) {}

  get dropped(): number {
    return this.pending.dropped + this.droppedBeside;
  }

  /**
   * Queues a frame; takes its own reference on the payload. `patchesLast`: it is a DELTA on the
   * frame queued before it. Returns false when it was dropped instead (with the frame it patches).
   */
  pushFrame(payload: FramePayload, patchesLast = false): boolean {
    // The caller decides what goes instead (the DELTA's keyframe, or nothing: dropPending).
    if (patchesLast && this.pending.length >= this.pending.capacity) return false;
    this.pending.push(payload.retain());
    this.pump();
    return true;
  }

  /** Drops the frames waiting, and one that was not queued with them, counting them as dropped. */
  dropPending(notQueued: number): void {
    this.droppedBeside += this.pending.length + notQueued;
    this.pending.clear((p) => p.release());
  }

  /** Counts a frame this viewer was offered and could not take (a DELTA on a base it lacks, with no keyframe). */
  missed(): void {
    this.droppedBeside++;
  }

  /**
   * Sends a control text now, discarding frames that were waiting (they predate it: INIT changes
   * their shape). Returns how many were discarded: a coded viewer then lacks the frame it was
   * going to show, and needs a keyframe. They count as dropped, like any frame the viewer never got.
   */
  pushText(text: string): number {
    const discarded = this.pending.length;
    this.dropPending(0);
    this.pushAside(text);
    return discarded;
  }

  /**
   * Sends a text that says nothing about the frames (PONG, §5) now: the frame waiting stays. A
   * page asks only after seconds with nothing received, when a frame waiting is the one it lacks.
   */
  pushAside(text: string): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > TEXT_HIGH_WATER_BYTES) {
      this.overflowed = true;
      this.ws.terminate();
      return;
    }
    this.ws.send(text);
  }

  private pump(): void {
    while (this.pending.length > 0 && this.inFlight < MAX_IN_FLIGHT && this.ws.bufferedAmount < HIGH_WATER_BYTES) {
      const payload = this.pending.shift()!;
      if (this.ws.readyState !== this.ws.OPEN) {
        payload.release();
        continue;
      }
      this.inFlight++;
      this.ws.send(payload.bytes, { binary: payload.kind === 'binary' }, () => {
        this.inFlight--;
        this.sent++;
        this.bytesSent += payload.bytes.length;
        payload.release();
        this.pump();
      });
    }
  }

  /** Hands every waiting frame to the socket regardless of back-pressure (the stream is ending). */
  flush(): void {
    while (this.pending.length > 0) {
      const payload = this.pending.shift()!;
      if (this.ws.readyState !== this.ws.OPEN) {
        payload.release();
        continue;
      }
      this.ws.send(payload.bytes, { binary: payload.kind === 'binary' }, () => payload.release());
    }
  }

  close(): void {
    this.pending.clear((p) => p.release());
  }
}
