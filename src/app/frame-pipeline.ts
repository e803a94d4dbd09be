/**
 * Decoded frames → render pool → viewers. Between the source and the workers sits a drop-oldest
 * queue of DECODE_QUEUE_CAPACITY frames: when rendering falls behind, the oldest frames are dropped
 * and counted, so latency never grows. One frame renders at a time, every distinct view in parallel.
 */
import { DropOldestQueue } from '../shared/bounded-queue.js';
import type { DecodedFrame } from '../shared/types.js';
import type { SharedPayload } from '../workers/payload.js';
import type { KeyedView, RenderPool } from '../workers/render-pool.js';

/** Two frames: one to absorb jitter while another renders; more would only add latency. */
export const DECODE_QUEUE_CAPACITY = 2;

function release(frame: DecodedFrame): void {
  frame.ring.release(frame.slot);
}

export class FramePipeline {
  private readonly queue = new DropOldestQueue<DecodedFrame>(DECODE_QUEUE_CAPACITY, release);
  private busy = false;
  /** The newest frame, kept so paused and still sources can be re-rendered for a changed view. */
  private last: DecodedFrame | null = null;
  private readonly refreshKeys = new Set<string>();
  private idleWaiters: (() => void)[] = [];
  decoded = 0;
  rendered = 0;

  constructor(
    private readonly pool: RenderPool,
    private readonly views: () => KeyedView[],
    private readonly deliver: (frame: DecodedFrame, payloads: SharedPayload[]) => void,
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
    let views: KeyedView[];
    if (frame) {
      views = this.views();
      this.refreshKeys.clear();
    } else if (this.refreshKeys.size > 0 && this.last) {
      frame = this.last;
      frame.ring.retain(frame.slot);
      views = this.views().filter((v) => this.refreshKeys.has(v.key));
      this.refreshKeys.clear();
    } else {
      this.notifyIdle();
      return;
    }
    if (views.length === 0) {
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
      this.deliver(current, payloads);
      this.pump();
    });
  }

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

  /** Drops queued and kept frames (the ring is being replaced or the source is gone). */
  reset(): void {
    this.queue.clear(release);
    if (this.last) release(this.last);
    this.last = null;
  }
}
