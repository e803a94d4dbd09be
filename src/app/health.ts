/**
 * `/healthz`: what an operator, a load balancer or a test needs to know, in one JSON object.
 * `status` is `ok`, `degraded` (the source is restarting, frames were dropped within the last
 * DEGRADED_WINDOW_MS, a playing picture stood still for STALLED_MS, a cluster's Redis is unreachable, or the
 * sound was given up while the picture plays on) or `failed` (the source was given up); the HTTP status follows it (503 for
 * failed), so an orchestrator can act without reading the body. metrics.ts renders the same
 * numbers for Prometheus.
 */
import type { TimelineStatus } from '../../protocol/index.js';
import type { AudioHealth } from '../audio/audio-track.js';
import type { ClusterHealth } from '../cluster/cluster.js';
import type { SourceInfo } from '../source/frame-source.js';

/** Frames dropped this recently make the server `degraded`. */
export const DEGRADED_WINDOW_MS = 10_000;
/**
 * A playing picture that has not moved for this long makes the server `degraded`: longer than a
 * remote source's start-up or a keyframe run-up before a seek point, far shorter than a user waits.
 */
export const STALLED_MS = 5_000;

export type HealthStatus = 'ok' | 'degraded' | 'failed';

export interface Health {
  status: HealthStatus;
  /** The timeline as viewers are told it (STATUS:, PROTOCOL-NOTES.md §2.1). */
  timeline: TimelineStatus;
  source: string;
  kind: string;
  fps: number;
  duration: number;
  live: boolean;
  position: number;
  paused: boolean;
  ended: boolean;
  /** How long a picture that should play has stood still, ms (0 when it moves, or should not). */
  stalledMs: number;
  viewers: number;
  distinctViews: number;
  workWidth: number;
  /** The accelerator decoding now (`none`: software, also after a fallback), what shrinks each frame to the working size, and how the frames store their pixels (`yuv420p bt709`, `rgb24`). */
  decoder: { hwaccel: string; resizer: string; pixels: string };
  /** What the source's frames hold and where each fact came from (source/source-format.ts). */
  format: {
    layout: string;
    stereo: string;
    eye: string;
    inFov: number | null;
    area: { left: number; top: number; right: number; bottom: number } | null;
    pose: { yaw: number; pitch: number; roll: number };
    initialView: { yaw: number; pitch: number; fov?: number } | null;
    /** The working frame (one eye, in the layout's own shape). */
    frame: { width: number; height: number };
    metadata: string | null;
    from: Record<string, string>;
    /** What was corrected or guessed about the format (each also logged as `source.format`). */
    notes: string[];
    /** The note that the picture is not its layout's shape and is shown stretched (a 16:9 video), or null: the page says it. */
    stretched: string | null;
  };
  workers: number;
  /** Sampling tables the workers hold and their bytes: bounded in proportion to the views in use. */
  tables: { count: number; bytes: number };
  /** The busiest worker's time on the last frame's renders, ms (against 1000/fps of budget). */
  renderMs: number;
  /** Render jobs that failed in a worker (each is logged). */
  workerFailures: number;
  /** How hard mosaic fits work now: full, blocks, sextants or quadrants (src/workers/fit-effort.ts). */
  fitEffort: string;
  /** Distinct views held back from the last frame to keep the others their share of the render time (src/workers/fair-share.ts). */
  heldBack: number;
  /** Fitted cells rendered since start, and those given the frame before's fit again because their samples had not changed (src/quantise/fit-reuse.ts). */
  cells: { fitted: number; reused: number };
  /** Samples taken since start by the SIMD sampler over the shared frame memory, and in JS (src/projection/sample-cells-simd.ts). */
  samples: { simd: number; js: number; kept: number };
  frames: { decoded: number; rendered: number; dropped: number; sent: number; bytesSent: number; viewerDropped: number };
  /** Each viewer's current view (the first HEALTH_VIEWS_MAX), so operators and tests can see who looks where. */
  views: { id: number; yaw: number; pitch: number; roll: number; fov: number; camera: string; cols: number; rows: number; mode: number; style: string; palette: string; pixel: boolean }[];
  ffmpegRestarts: number;
  listeners: number;
  clients: { max: number; refused: number };
  /** `frames`: the frame memory (the ring, and the render threads' tables and samples beside it). */
  memory: { rss: number; heapUsed: number; external: number; arrayBuffers: number; frames: number };
  /** The sound: availability, listeners, and the audio-minus-picture offset measured at the server. */
  audio: AudioHealth;
  uptime: number;
  /**
   * With `serve --cluster`: the servers seen and their load, the record followed, and this server's
   * frames' offset from the shared position (ms, positive ahead) with the restarts that corrected it.
   */
  cluster?: ClusterHealth & { offsetMs: number | null; resyncs: number };
}

/** Views listed in /healthz: enough to inspect, bounded so the answer stays small. */
export const HEALTH_VIEWS_MAX = 64;

/** The HTTP status a health answer goes out with. */
export function httpStatusOf(h: Pick<Health, 'status'>): number {
  return h.status === 'failed' ? 503 : 200;
}

/** Notes when frames were last dropped, from the running totals. */
export class DropWatch {
  private total = 0;
  private lastDropAt = -Infinity;

  note(total: number, now = Date.now()): void {
    if (total > this.total) this.lastDropAt = now;
    this.total = total;
  }

  recent(now = Date.now()): boolean {
    return now - this.lastDropAt < DEGRADED_WINDOW_MS;
  }
}

export function statusOf(timeline: TimelineStatus, impaired: boolean): HealthStatus {
  if (timeline.code === 'FAILED') return 'failed';
  if (timeline.code === 'RESTARTING' || impaired) return 'degraded';
  return 'ok';
}

/** The /healthz `format` object of a source and its working frame. */
export function formatHealth(info: SourceInfo, frame: { width: number; height: number }): Health['format'] {
  const f = info.format;
  const p = f.picture;
  const partial = p.layout === 'equirect' && (p.area.left > 0 || p.area.top > 0 || p.area.right < 1 || p.area.bottom < 1);
  return {
    layout: p.layout,
    stereo: f.stereo,
    eye: f.eye,
    inFov: p.layout === 'fisheye' || p.layout === 'dfisheye' ? p.inFov : null,
    area: partial ? { ...p.area } : null,
    pose: { ...p.pose },
    initialView: f.initialView,
    frame,
    metadata: f.metadata,
    from: { ...f.from },
    notes: [...f.notes],
    stretched: f.stretched,
  };
}
