/**
 * Decoded frames → render pool → viewers. Between the source and the workers sits a drop-oldest
 * queue of DECODE_QUEUE_CAPACITY frames: when rendering falls behind, the oldest frames are dropped
 * and counted, so latency never grows. One frame renders at a time, every distinct view in parallel.
 *
 * Each frame that leaves (delivered to the viewers, withheld from them, or with no viewer to render
 * for) is announced once through `presented`: the picture's clock the sound follows
 * (audio/av-pacer.ts). A frame the timeline jumped away from before it rendered is dropped
 * unannounced: the sound of its moment was restarted with the jump.
 */
import { DECODE_QUEUE_CAPACITY } from '../shared/capacities.js';
import { DropOldestQueue } from '../shared/bounded-queue.js';
import type { FramePayload } from '../shared/frame-payload.js';
import type { DecodedFrame } from '../shared/types.js';
import type { KeyedView, RenderPool } from './render-pool.js';

export { DECODE_QUEUE_CAPACITY };

/**
 * A view's coarse first frame (view-renderer.ts) is rendered again in full this long after, unless
 * a new decoded frame came meanwhile (its render is the full one). A little over a frame interval:
 * while frames flow the next one refines it, and a photo or a paused video sharpens in well
 * under a tenth of a second.
 */
export const REFINE_MS = 40;

function release(frame: DecodedFrame): void {
  frame.ring.release(frame.slot);
}

export interface RenderSchedulerEvents {
  /** The views to render now (one per distinct key). */
  views(): KeyedView[];
  /** A frame's payloads, one per view; each is released by the scheduler after this returns. */
  deliver(frame: DecodedFrame, payloads: FramePayload[]): void;
  /** Whether the frame shows a moment the timeline has jumped away from: it is not rendered, or not shown. */
  stale(frame: DecodedFrame): boolean;
  /** A stale frame's payloads, rendered before it went stale: shown to nobody. */
  withhold(payloads: FramePayload[]): void;
}

export class RenderScheduler {
  private readonly queue = new DropOldestQueue<DecodedFrame>(DECODE_QUEUE_CAPACITY, release);
  private busy = false;
  /** The newest frame, kept so paused and still sources can be re-rendered for a changed view. */
  private last: DecodedFrame | null = null;
  private readonly refreshKeys = new Set<string>();
  private idleWaiters: (() => void)[] = [];
  /** Views whose last render was coarse, to render again at `refineTimer` (the decoded count then in `refineAfter`). */
  private readonly coarseKeys = new Set<string>();
  private refineTimer: NodeJS.Timeout | null = null;
  private refineAfter = 0;
  decoded = 0;
  rendered = 0;
  /** The one "frame presented" event: a new frame left, to the viewers or with nobody watching. */
  onPresented: (frame: DecodedFrame) => void = () => {};

  constructor(
    private readonly pool: RenderPool,
    private readonly events: RenderSchedulerEvents,
  ) {}

  get dropped(): number {
    return this.queue.dropped;
  }

  /** Takes over the frame's slot reference. */
  push(frame: DecodedFrame): void {
    this.decoded++;
    frame.ring.retain(frame.slot);
    if (this.last) release(this.last);
    this.last = frame;
    this.queue.push(frame);
    this.pump();
  }

  /** Re-render the last frame for `key` (a view changed while nothing new is being decoded). */
  refresh(key: string): void {
    this.refreshKeys.add(key);
    this.pump();
  }

  private pump(): void {
    if (this.busy) return;
    let frame = this.queue.shift();
    // Frames decoded before a seek are dropped here: the old moment must not follow SEEKED.
    while (frame && this.events.stale(frame)) {
      release(frame);
      frame = this.queue.shift();
    }
    if (!frame && this.last && this.events.stale(this.last)) this.refreshKeys.clear();
    let views: KeyedView[];
    let fresh = true;
    if (frame) {
      // A new frame: each view its fair share of the render time (fair-share.ts).
      views = this.pool.shareOut(this.events.views());
      this.refreshKeys.clear();
    } else if (this.refreshKeys.size > 0 && this.last) {
      frame = this.last;
      fresh = false;
      frame.ring.retain(frame.slot);
      views = this.events.views().filter((v) => this.refreshKeys.has(v.key));
      this.refreshKeys.clear();
    } else {
      this.notifyIdle();
      return;
    }
    if (views.length === 0) {
      if (fresh) this.onPresented(frame);
      release(frame);
      this.pump();
      return;
    }
    this.busy = true;
    const current = frame;
    this.pool.render(current, views, (payloads) => {
      this.busy = false;
      release(current);
      this.rendered++;
      if (this.events.stale(current)) this.events.withhold(payloads);
      else this.events.deliver(current, payloads);
      for (const p of payloads) {
        if (p.coarse) this.coarseKeys.add(p.key);
        p.keyframe?.release();
        p.release();
      }
      if (this.coarseKeys.size > 0 && !this.refineTimer) {
        this.refineAfter = this.decoded;
        this.refineTimer = setTimeout(this.refine, REFINE_MS);
      }
      if (fresh) this.onPresented(current);
      this.pump();
    });
  }

  private readonly refine = (): void => {
    this.refineTimer = null;
    // A frame decoded since renders every view in full by itself; a key no viewer has now is skipped.
    if (this.decoded === this.refineAfter) for (const key of this.coarseKeys) this.refreshKeys.add(key);
    this.coarseKeys.clear();
    this.pump();
  };

  /** Calls `callback` once every queued frame has been rendered and delivered. */
  whenIdle(callback: () => void): void {
    this.idleWaiters.push(callback);
    if (!this.busy && this.queue.length === 0) this.notifyIdle();
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Drops the queued frames and the kept last frame, giving their slots back (the server is closing). */
  dispose(): void {
    if (this.refineTimer) clearTimeout(this.refineTimer);
    this.refineTimer = null;
    this.queue.clear(release);
    if (this.last) release(this.last);
    this.last = null;
  }
}
