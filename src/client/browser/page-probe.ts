/**
 * `window.ascii360`: a small read-mostly handle on the running page, for the end-to-end tests and
 * for anyone curious in the devtools console. It exposes state the page already has; `hold` and
 * `drop` are the only levers (freeze painting to compare the canvas with a frame; lose the socket
 * the way a network would).
 */
import type { InitInfo, StyleName } from '../../../protocol/index.js';
import type { ViewAngles } from '../common/view-controller.js';
import type { SyncMode } from './av-sync.js';
import type { LinkState } from './connection.js';
import type { RendererKind } from './grid-renderer.js';

export interface ProbeState {
  renderer: RendererKind;
  link: LinkState['kind'];
  init: InitInfo | null;
  /** INIT messages received since the page loaded. */
  inits: number;
  /** The grid the page wants (from its size). */
  grid: { cols: number; rows: number };
  /** Cell size in device pixels, devicePixelRatio, and the aspect sent to the server. */
  cell: { width: number; height: number; dpr: number; aspect: number };
  view: ViewAngles;
  /** The style the page shows (or has just asked for). */
  style: StyleName;
  /** Paused, as the server said (STATUS:). */
  paused: boolean;
  /** The server's last STATUS code, null before the first. */
  timeline: string | null;
  autoRotate: boolean;
  /** Device look (the gyro button) is on. */
  gyro: boolean;
  received: number;
  shown: number;
  dropped: number;
  audio: string;
  av: ProbeAv;
}

/** Lip sync (av-sync.ts). Positions are on the unwrapped timeline, seconds. */
export interface ProbeAv {
  mode: SyncMode;
  /** Shown minus heard position, ms, median over the last second; null when not in step. */
  offsetMs: number | null;
  heard: number | null;
  /** The sound feed's clock (the <audio> element's currentTime, or the page's own playout); null while the sound is off. */
  mediaTime: number | null;
  /** The page's clock (performance.now(), ms) when mediaTime was read. */
  sampledAt: number;
  /** Newest frame received minus the one shown, ms. */
  lagMs: number | null;
  /** How the sound is played: decoded by the page, MediaSource, or the stream as the element's src (audio-control.ts). */
  feed: 'pcm' | 'mse' | 'element';
  /** Frames held for the sound. */
  waiting: number;
  /** Fresh /audio requests. */
  requests: number;
}

export interface ProbeFrame {
  kind: 'cells' | 'pixels' | 'fitted' | 'text';
  index: number;
  cols: number;
  /** Character rows for cells and text, pixel rows for pixels. */
  rows: number;
  /** The style its bytes are drawn in: `ramp` for cells and text, `half` for pixels, the INIT's style for fitted cells. */
  style: StyleName;
  /** Cells (4 bytes each), fitted cells (7 bytes each: glyph, fg RGB, bg RGB) or BGR pixels (3 bytes each); empty for text. */
  bytes: number[];
  lines: string[];
}

export interface PageProbe {
  state(): ProbeState;
  /** The frame on the canvas now, or null before the first. */
  frame(): ProbeFrame | null;
  /** While held, frames are received but not painted: the canvas keeps showing `frame()`. */
  hold(on: boolean): void;
  /** Closes the socket as a lost connection would (the page reconnects). */
  drop(): void;
  /** The last offset samples (ms, one per frame painted in step), oldest first, and the count ever taken. */
  avOffsets(): { samples: number[]; total: number };
  /** Where the page's own decoded sound can be listened to (feed `pcm`, sound on), else null. */
  soundTap(): { context: AudioContext; node: AudioNode } | null;
}

declare global {
  interface Window {
    ascii360?: PageProbe;
  }
}

export function exposeProbe(probe: PageProbe): void {
  window.ascii360 = probe;
}
