/**
 * Contracts between pipeline stages (STYLE.md §2.2): source → projection → quantise → transport.
 */
import type { CameraName, Codec, Mode, Palette, Quality, StyleName, ViewAngles } from '../../protocol/index.js';
import type { SharedMemory, WasmArena } from './wasm-arena.js';
import type { FramePixels, SlotLayout } from './frame-pixels.js';
import type { TileStamps } from './tile-stamps.js';

export type { ViewAngles };

/** The sample grid a projection fills: `cols × rows` samples, each `aspect` (width/height) wide. */
export interface SampleGrid {
  cols: number;
  rows: number;
  aspect: number;
  /** Most taps per sample along each axis (default 3): fewer trade smoothness for speed. */
  maxTaps?: number;
}

/** Everything that decides one viewer's output bytes; viewers with equal specs share one result. */
export interface ViewSpec extends ViewAngles {
  /** Character grid. */
  cols: number;
  rows: number;
  /** Character cell width / height. */
  aspect: number;
  mode: Mode;
  /** Cell style (PROTOCOL-NOTES.md §8): what the frames carry and how many samples each cell takes. */
  style: StyleName;
  /** Palette fitted colours are chosen from (§8.3); ignored by ramp and half. */
  palette: Palette;
  codec: Codec;
  /** Colour tolerance of coded frames (PROTOCOL-NOTES.md §3.8); decides nothing for uncoded ones. */
  quality: Quality;
  /** How the samples look out (PROTOCOL-NOTES.md §7): flat, stereographic, fisheye, pannini, equirect. */
  camera: CameraName;
}

/** Shared slots holding decoded frames (implemented by source/frame-ring.ts). */
export interface FrameSlots {
  /** Generation: a new ring (new buffers) whenever the working size changes. */
  readonly id: number;
  readonly width: number;
  readonly height: number;
  /** What the frames show: layout, its parameters, pose (projection/layouts/index.ts). */
  readonly format: PictureFormat;
  /** The shared WebAssembly memory holding every slot (shared/wasm-arena.ts), or null: each slot its own SharedArrayBuffer. */
  readonly memory: SharedMemory | null;
  /** The main thread's arena in `memory`, for rendering inline. */
  readonly arena: WasmArena | null;
  /** Where a slot's planes and black bytes lie (frame-pixels.ts). */
  readonly layout: SlotLayout;
  /** Each slot: the picture's planes and the black pixel (`layout`). */
  readonly slots: readonly Uint8Array[];
  retain(slot: number): void;
  release(slot: number): void;
  /** Numbers the frame in `slot` as the next delivered, its changed tiles stamped; 0 where frames are not compared (source/frame-changes.ts). */
  delivered(slot: number): number;
  /** The stamps `delivered` writes, for the render threads; null where frames are not compared. */
  readonly changes: TileStamps | null;
}

/** A frame at working size (in the layout and pixels of its ring's `format`), sitting in a slot of the shared frame ring. */
export interface DecodedFrame {
  ring: FrameSlots;
  slot: number;
  width: number;
  height: number;
  /** Frame index on the wire: round(position × fps) for files, a running count for live sources. */
  index: number;
  /** Timeline position of the frame in seconds. */
  position: number;
  /** Media seconds since this run of the source started (k / fps): a clock that never wraps. */
  elapsed: number;
  /**
   * Timeline clock in seconds, set by the playback: continuous across restarts that keep the
   * timeline going (a new working size), back to 0 on a seek, resume or loop of the sound.
   */
  clock?: number;
  /** The playback's timeline run this frame belongs to (a seek or resume starts a new run). */
  run?: number;
  /** The playback's count of timeline jumps when it was decoded (Playback.isStale). */
  jumps?: number;
  /** Its number among the ring's delivered frames (FrameSlots.delivered), set by the playback; 0 or absent: not compared with the frame before. */
  seq?: number;
}

/** Source layouts under v360's names (projection/layouts/index.ts has a row for each). */
export type LayoutName = 'equirect' | 'hequirect' | 'c3x2' | 'cbmp' | 'c6x1' | 'eac' | 'dfisheye' | 'fisheye';

/** What a decoded frame (one eye's) shows: from the file's metadata or the operator's flags. */
export interface PictureFormat {
  layout: LayoutName;
  /** Fisheye layouts: one lens's field of view across its circle, degrees. */
  inFov: number;
  /**
   * Equirect: the part of the full 360°×180° panorama the frame holds, as fractions of its width
   * and height (a partial panorama, Spherical Video V2's equi bounds); 0, 0, 1, 1 for a whole one.
   */
  area: { left: number; top: number; right: number; bottom: number };
  /**
   * The rotation from the file's own axes to the world's, as a view's yaw, pitch and roll in
   * degrees (PROTOCOL-NOTES.md §7.1): the file's forward is seen at view (yaw, pitch).
   */
  pose: { yaw: number; pitch: number; roll: number };
  /** The file's own size (of one eye): v360's EAC border is 2 of its pixels. */
  sourceSize: { width: number; height: number };
  /** How the working frames store their pixels: RGB24, or the decoder's 4:2:0 (frame-pixels.ts). */
  pixels: FramePixels;
}
