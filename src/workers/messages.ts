/**
 * The render worker protocol: a typed union each way, jobs matched by id, output buffers moved with
 * transfer lists (STYLE.md §2.12). Frames themselves never travel: workers read the shared ring.
 */
import type { PictureFormat } from '../projection/layouts/index.js';
import type { ViewSpec } from '../shared/types.js';
import type { FitEffort } from './fit-effort.js';
import type { SharedMemory } from '../shared/wasm-arena.js';

export interface RenderTask {
  key: string;
  spec: ViewSpec;
  /** A recycled output buffer to fill, or null to allocate one. */
  buffer: ArrayBuffer | null;
  /** How hard a mosaic view's fit works (fit-effort.ts). */
  effort: FitEffort;
  /**
   * A coded view (PROTOCOL-NOTES.md §3.7) some of whose viewers lack its last state: a buffer for
   * the keyframe to send them when the frame itself is a DELTA; null when every viewer has it.
   */
  keyBuffer: ArrayBuffer | null;
  /** Fit a view's first frame coarse, the next one at `effort` (ViewRenderer.render). */
  coarseFirst: boolean;
}

export type ToWorker =
  | {
      type: 'ring';
      ringId: number;
      width: number;
      height: number;
      format: PictureFormat;
      /** The slots' shared WebAssembly memory and each slot's offset in it; or, where there is none, each slot's own buffer. */
      memory: SharedMemory | null;
      offsets: readonly number[];
      buffers: readonly SharedArrayBuffer[];
      slotBytes: number;
      /** The ring's tile stamps (shared/tile-stamps.ts), or null where it does not compare frames. */
      changes: { buffer: SharedArrayBuffer; tilesX: number; tilesY: number } | null;
    }
  /** `seq`: the frame's number among the ring's delivered frames (0: not compared; DecodedFrame.seq). */
  | { type: 'render'; jobId: number; ringId: number; slot: number; index: number; run: number; seq: number; tasks: RenderTask[] }
  /** The last viewer left: let go of every view's tables (RenderPool.forgetViews). */
  | { type: 'forget' };

export interface RenderOutput {
  key: string;
  buffer: ArrayBuffer;
  length: number;
  /** Coded views (frame-encoder.ts): the state viewers show after this frame, and the state its DELTA patches (-1: it stands alone). */
  id: number;
  base: number;
  /** The task's key buffer, given back; `keyLength` > 0 when it holds the keyframe of the same state (the frame is a DELTA). */
  keyBuffer: ArrayBuffer | null;
  keyLength: number;
  /** The view's first frame, fitted coarse: render the view again when no next frame comes. */
  coarse: boolean;
  /** What the render cost, ms, setup included (a turning view's is its tables each frame; fair-share.ts). */
  ms: number;
  /** Of it, one-off setup (tables, fitter, a new view's keyframe): not load to the governor. */
  setupMs: number;
}

export type FromWorker =
  /**
   * `busyMs`: the job's time; `loadMs`: its time less one-off setup (tables and fitters built for
   * view changes), null while the worker warms up (fit-effort.ts). `tables`, `tableBytes`: what
   * the worker's cache holds after the job (reported in /healthz). `cells`, `cellsReused`: the
   * job's fitted cells, and those given the frame before's fit again (fit-reuse.ts). `samplesSimd`,
   * `samplesJs`: the job's samples by each path (sample-cells-simd.ts); `samplesKept`: those it kept
   * from the frame before instead, their tiles unchanged (source/frame-changes.ts).
   */
  | { type: 'rendered'; jobId: number; outputs: RenderOutput[]; busyMs: number; loadMs: number | null; tables: number; tableBytes: number; cells: number; cellsReused: number; samplesSimd: number; samplesJs: number; samplesKept: number }
  | { type: 'failed'; jobId: number; message: string }
  /** The answer to `forget`: what the cache holds now. */
  | { type: 'forgot'; tables: number; tableBytes: number };
