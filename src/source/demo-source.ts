/**
 * The demo scene as a paced frame source: a 60 s looping, seekable timeline drawn in code.
 */
import type { FrameRing } from './frame-ring.js';
import type { FrameSource, SourceEvents, SourceInfo } from './frame-source.js';
import { equirectSource } from './source-format.js';
import { DEMO_DURATION_SECONDS, drawDemoMotion, renderDemoBackground } from './demo-scene.js';
import { RGB24 } from '../shared/frame-pixels.js';

export function demoInfo(fps: number): SourceInfo {
  return { label: 'demo', kind: 'demo', fps, duration: DEMO_DURATION_SECONDS, live: false, hasAudio: true, width: 4096, height: 2048, format: equirectSource(4096, 2048), pixels: RGB24 };
}

export class DemoSource implements FrameSource {
  private timer: NodeJS.Timeout | null = null;
  private background: { w: number; h: number; rgb: Uint8Array } | null = null;
  /**
   * Per slot of `drawnRing`, the rows the ball was last drawn over, -1 for a slot not drawn yet:
   * the rest of a drawn slot still holds the background, so a frame restores those rows only. A
   * whole copy of a 4096-wide background each frame (25 MB, mosaic's working size) was a few ms of
   * the main thread 30 times a second, the demo's largest cost.
   */
  private drawnRing: FrameRing | null = null;
  private drawnRows = new Int32Array(0);
  private readonly rows = new Int32Array(2);
  discarded = 0;
  /** Drawn at the working size: nothing to decode or shrink. */
  readonly decoder = { hwaccel: 'none', resizer: 'none' };

  constructor(
    readonly info: SourceInfo,
    private readonly events: SourceEvents,
    /** Paced at the frame rate; false renders as fast as possible (benchmarks). */
    private readonly realtime = true,
  ) {}

  get running(): boolean {
    return this.timer !== null;
  }

  start(position: number, ring: FrameRing, once = false, dueMs?: number): void {
    this.stop();
    if (!this.background || this.background.w !== ring.width || this.background.h !== ring.height) {
      this.background = { w: ring.width, h: ring.height, rgb: renderDemoBackground(ring.width, ring.height) };
      this.drawnRing = null;
    }
    if (this.drawnRing !== ring) {
      this.drawnRing = ring;
      this.drawnRows = new Int32Array(ring.slots.length * 2).fill(-1);
    }
    const fps = this.info.fps;
    const started = performance.now();
    let k = 0;
    const tick = (): void => {
      const t = (position + k / fps) % DEMO_DURATION_SECONDS;
      const slot = ring.acquire();
      if (slot >= 0) {
        const frame = ring.slots[slot]!;
        const background = this.background!.rgb;
        const drawn = this.drawnRows;
        const rowBytes = ring.width * 3;
        if (drawn[2 * slot]! < 0) frame.set(background);
        else frame.set(background.subarray(drawn[2 * slot]! * rowBytes, (drawn[2 * slot + 1]! + 1) * rowBytes), drawn[2 * slot]! * rowBytes);
        drawDemoMotion(frame, ring.width, ring.height, t, this.rows);
        drawn[2 * slot] = this.rows[0]!;
        drawn[2 * slot + 1] = this.rows[1]!;
        this.events.onFrame({ ring, slot, width: ring.width, height: ring.height, index: Math.round(t * fps), position: t, elapsed: k / fps });
      } else {
        this.discarded++;
      }
      k++;
      if (once) {
        this.stop();
        return;
      }
      // Schedule against the start time, not the previous tick, so timer jitter never accumulates.
      const due = dueMs === undefined ? started + (k * 1000) / fps - performance.now() : dueMs + (k * 1000) / fps - Date.now();
      this.timer = this.realtime ? setTimeout(tick, Math.max(0, due)) : setTimeout(tick, 0);
    };
    this.timer = setTimeout(tick, dueMs === undefined || !this.realtime ? 0 : Math.max(0, dueMs - Date.now()));
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  async dispose(): Promise<void> {
    this.stop();
  }
}
