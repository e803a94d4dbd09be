/**
 * The demo scene as a paced frame source: a 60 s looping, seekable timeline drawn in code.
 */
import type { FrameRing } from './frame-ring.js';
import type { FrameSource, SourceEvents, SourceInfo } from './frame-source.js';
import { equirectSource } from './source-format.js';
import { DEMO_DURATION_SECONDS, drawDemoMotion, renderDemoBackground } from './demo-scene.js';

export function demoInfo(fps: number): SourceInfo {
  return { label: 'demo', kind: 'demo', fps, duration: DEMO_DURATION_SECONDS, live: false, hasAudio: true, width: 4096, height: 2048, format: equirectSource(4096, 2048) };
}

export class DemoSource implements FrameSource {
  private timer: NodeJS.Timeout | null = null;
  private background: { w: number; h: number; rgb: Uint8Array } | null = null;
  discarded = 0;

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
    }
    const fps = this.info.fps;
    const started = performance.now();
    let k = 0;
    const tick = (): void => {
      const t = (position + k / fps) % DEMO_DURATION_SECONDS;
      const slot = ring.acquire();
      if (slot >= 0) {
        const frame = ring.slots[slot]!;
        frame.set(this.background!.rgb);
        drawDemoMotion(frame, ring.width, ring.height, t);
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
